// Boost.JSON compiled from source into the fuzz targets, so that the fuzzer sees (and the
// sanitizers check) the parser too. The targets link no libboost_json.
#include <boost/json/src.hpp>
