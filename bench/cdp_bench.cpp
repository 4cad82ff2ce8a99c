// Customer events over HTTP (scripts/bench cdp): a synthetic population resolved to profiles,
// its rate and its quality against the generator's ground truth.
//
// Each person holds 1-4 identifiers (email, phone, loyalty_id, device_id; values of their own)
// and sends 1-3 events: the first names all of them, later ones a part. For 5 % of the people
// the first two events name disjoint parts and a third both, so their profiles must merge. 2 %
// of events also carry a junk value (cookie_id "unknown", on the blocklist) that must glue
// nobody together. Events go in batches of 1,000 (POST /v1/events) over CONNECTIONS
// keep-alive connections at once; a batch counts once answered 201 with no failed event.
//
//   cdp_bench PORT ADMIN_TOKEN PEOPLE CONNECTIONS
// prints one line: cdp_events_per_s=… events=… people=… precision=… recall=… failures=…
// Precision and recall are over pairs of events: a pair is predicted together when both
// events' profiles lead (merged_into) to the same active profile, and truly together when one
// person sent both.
#include "support/http_client.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace commerce::test;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr std::size_t batch_size = 1000;

struct generated {
  std::vector<boost::json::object> events;
  std::vector<int> person;  // of each event: the ground truth
};

generated generate(int people) {
  std::mt19937 rng(20261203);
  const char* sources[] = {"shopify", "pos", "api", "csv"};
  generated out;
  for (int p = 0; p < people; ++p) {
    std::vector<std::pair<std::string, std::string>> held{{"email", "p" + std::to_string(p) + "@bench.example"},
                                                          {"phone", "+1" + std::to_string(2000000000LL + p)},
                                                          {"loyalty_id", "L" + std::to_string(p)},
                                                          {"device_id", "D" + std::to_string(p)}};
    std::shuffle(held.begin(), held.end(), rng);
    held.resize(1 + rng() % 4);
    auto send = [&](std::size_t from, std::size_t to) {
      boost::json::object payload;
      for (auto i = from; i < to; ++i) payload[held[i].first] = held[i].second;
      if (rng() % 50 == 0) payload["cookie_id"] = "unknown";
      out.events.push_back({{"source", sources[rng() % 4]}, {"type", "visit"}, {"payload", std::move(payload)}});
      out.person.push_back(p);
    };
    if (held.size() >= 2 && rng() % 20 == 0) {  // 5 %: two parts first, then what links them
      send(0, 1);
      send(1, held.size());
      send(0, held.size());
    } else {
      send(0, held.size());
      for (int more = rng() % 3; more > 0; --more) {
        const auto from = rng() % held.size();
        send(from, from + 1);
      }
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: cdp_bench PORT ADMIN_TOKEN PEOPLE CONNECTIONS\n");
    return 2;
  }
  const auto port = static_cast<std::uint16_t>(std::stoi(argv[1]));
  const std::map<std::string, std::string> admin{{"Authorization", std::string("Bearer ") + argv[2]}};
  const int people = std::stoi(argv[3]), connections = std::stoi(argv[4]);
  const auto population = generate(people);
  const auto batches = (population.events.size() + batch_size - 1) / batch_size;
  std::vector<std::string> profile_of(population.events.size());
  std::atomic<std::size_t> next{0}, failures{0};

  const auto start = clock_type::now();
  std::vector<std::thread> senders;
  for (int c = 0; c < connections; ++c)
    senders.emplace_back([&] {
      http_connection conn(port, 300'000);  // a batch waits for its merges: minutes under load, not seconds
      for (auto b = next++; b < batches; b = next++) {
        boost::json::array events;
        const auto first = b * batch_size, last = std::min(first + batch_size, population.events.size());
        for (auto i = first; i < last; ++i) events.push_back(population.events[i]);
        const auto r = conn.request("POST", "/v1/events", boost::json::serialize(boost::json::object{{"events", events}}), admin);
        if (r.status != 201) {
          std::cerr << "batch " << b << ": " << r.status << " " << r.body.substr(0, 300) << "\n";
          failures += last - first;
          continue;
        }
        const auto results = boost::json::parse(r.body).at("results").as_array();
        if ((b + 1) % 20 == 0)  // a progress line on a long run
          std::fprintf(stderr, "batch %zu of %zu after %.0f s\n", b + 1, batches,
                       std::chrono::duration<double>(clock_type::now() - start).count());
        for (auto i = first; i < last; ++i) {
          const auto& one = results[i - first].as_object();
          if (one.contains("profile_id")) profile_of[i] = std::string(one.at("profile_id").as_string());
          else ++failures;
        }
      }
    });
  for (auto& t : senders) t.join();
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();

  // Each profile the events went to, followed to the active profile it became.
  std::map<std::string, std::string> active;
  for (const auto& p : profile_of)
    if (!p.empty()) active.emplace(p, "");
  std::vector<std::string> ids;
  for (const auto& [id, _] : active) ids.push_back(id);
  std::mutex m;
  std::atomic<std::size_t> at{0};
  std::vector<std::thread> readers;
  for (int c = 0; c < connections; ++c)
    readers.emplace_back([&] {
      http_connection conn(port, 60'000);
      for (auto i = at++; i < ids.size(); i = at++) {
        auto id = ids[i];
        for (int hops = 0; hops < 16; ++hops) {
          const auto r = conn.request("GET", "/v1/profiles/" + id, "", admin);
          const auto profile = boost::json::parse(r.body).as_object();
          if (r.status != 200 || profile.at("status") == "active") break;
          id = std::string(profile.at("merged_into").as_string());
        }
        std::lock_guard<std::mutex> lock(m);
        active[ids[i]] = id;
      }
    });
  for (auto& t : readers) t.join();

  // Pairs: counted per (predicted profile, person) cell.
  std::map<std::string, std::size_t> per_profile;
  std::map<int, std::size_t> per_person;
  std::map<std::pair<std::string, int>, std::size_t> per_cell;
  for (std::size_t i = 0; i < profile_of.size(); ++i) {
    if (profile_of[i].empty()) continue;
    const auto& profile = active[profile_of[i]];
    ++per_profile[profile];
    ++per_person[population.person[i]];
    ++per_cell[{profile, population.person[i]}];
  }
  auto pairs = [](std::size_t n) { return static_cast<double>(n) * static_cast<double>(n - 1) / 2; };
  double predicted = 0, truth = 0, both = 0;
  for (const auto& [_, n] : per_profile) predicted += pairs(n);
  for (const auto& [_, n] : per_person) truth += pairs(n);
  for (const auto& [_, n] : per_cell) both += pairs(n);
  std::printf("cdp_events_per_s=%.0f events=%zu people=%d seconds=%.1f precision=%.4f recall=%.4f failures=%zu\n",
              static_cast<double>(population.events.size()) / seconds, population.events.size(), people, seconds,
              predicted > 0 ? both / predicted : 1.0, truth > 0 ? both / truth : 1.0, failures.load());
  return failures == 0 ? 0 : 1;
}
