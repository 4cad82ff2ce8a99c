# embed_files(<out.cpp> <namespace> <name> <base dir>): compiles every file under <base dir>
# into the binary as `extern const commerce::embedded_file <namespace>::<name>[]`, ended by an
# entry with an empty path, keyed by the path relative to <base dir>. The operator console ships
# inside commerced this way: one binary to deploy, and no file on disk can drift from it.
# Files are text (HTML, CSS, JavaScript, SVG); none may contain the raw string's delimiter.
function(embed_files out_cpp ns name base_dir)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS ${base_dir}/*)
  list(SORT files)
  set(script ${out_cpp}.cmake)
  file(WRITE ${script} "
set(out \"#include \\\"common/embedded_file.hpp\\\"\\nnamespace ${ns} {\\nextern const commerce::embedded_file ${name}[];\\nconst commerce::embedded_file ${name}[] = {\\n\")
foreach(f ${files})
  file(RELATIVE_PATH rel \"${base_dir}\" \"\${f}\")
  file(READ \"\${f}\" content)
  string(FIND \"\${content}\" \")embedded\\\"\" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR \"\${f} contains the embedding delimiter\")
  endif()
  string(APPEND out \"{\\\"\${rel}\\\", R\\\"embedded(\${content})embedded\\\"},\\n\")
endforeach()
string(APPEND out \"{\\\"\\\", \\\"\\\"}};\\n}\\n\")
file(WRITE \"${out_cpp}\" \"\${out}\")
")
  add_custom_command(OUTPUT ${out_cpp}
    COMMAND ${CMAKE_COMMAND} -P ${script}
    DEPENDS ${files} VERBATIM
    COMMENT "Embedding ${base_dir}")
endfunction()
