#include "actors/kinds/kind_module.hpp"

namespace commerce::actors {

// Each defined in its folder (kinds/<kind>/<kind>_kind.cpp).
kind_module product_kind();
kind_module cart_kind();
kind_module order_kind();
kind_module checkout_kind();
kind_module alert_kind();
kind_module webhook_kind();
kind_module pricing_job_kind();
kind_module campaign_kind();
kind_module reconciliation_kind();
kind_module identity_kind();
kind_module profile_kind();
kind_module profile_merge_kind();
kind_module merge_review_kind();
kind_module audit_kind();

const std::vector<kind_module>& kind_modules() {
  static const std::vector<kind_module> kinds{alert_kind(),    product_kind(), cart_kind(),
                                                 order_kind(),    checkout_kind(), webhook_kind(),
                                                 pricing_job_kind(), campaign_kind(), reconciliation_kind(),
                                                 identity_kind(),    profile_kind(),  profile_merge_kind(),
                                                 merge_review_kind(), audit_kind()};
  return kinds;
}

entity_regions spawn_entity_regions(caf::actor_system& system, entity_services services,
                                    const entity_kinds_options& options) {
  entity_regions out;
  services.peers = out;  // they share its directory, so each finds every other kind's region
  for (const auto& kind : kind_modules()) out.set(kind.stream_type, kind.spawn_region(system, services, options));
  return out;
}

const kind_module* kind_of_collection(std::string_view collection) {
  for (const auto& kind : kind_modules())
    if (kind.collection == collection) return &kind;
  return nullptr;
}

domain::timestamp system_now() {
  using namespace std::chrono;
  return {duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()};
}

}  // namespace commerce::actors
