# The operator's command line (API.md, "Operator console and CLI"), included by apps/CMakeLists.txt
# so that the binary lands next to commerced (build/apps/commercectl). Links Boost.JSON only: a
# command-line tool needs neither CAF nor the node's adapters (see http_client.hpp).
add_executable(commercectl
  commercectl/main.cpp
  commercectl/command_line.cpp
  commercectl/http_client.cpp
  commercectl/api_client.cpp
  commercectl/output.cpp
  commercectl/verbs.cpp
  commercectl/node_verbs.cpp
  commercectl/operation_verbs.cpp
  commercectl/tail.cpp)
target_compile_definitions(commercectl PRIVATE COMMERCE_VERSION="${PROJECT_VERSION}")
target_link_libraries(commercectl PRIVATE Boost::json)
target_include_directories(commercectl PRIVATE ${PROJECT_SOURCE_DIR})
