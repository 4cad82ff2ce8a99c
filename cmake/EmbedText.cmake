# embed_text(<out.cpp> <namespace> <name> <file>): compiles a text file into the binary as
# `extern const char* const <namespace>::<name>`, so defaults and migrations cannot go
# missing from an installed node.
function(embed_text out_cpp ns name file)
  set(script ${out_cpp}.cmake)  # per output: the same text may be embedded twice (fuzz/)
  file(WRITE ${script} "
file(READ \"${file}\" content)
file(WRITE \"${out_cpp}\" \"namespace ${ns} {\\nextern const char* const ${name};\\nconst char* const ${name} = R\\\"embedded(\${content})embedded\\\";\\n}\\n\")
")
  add_custom_command(OUTPUT ${out_cpp}
    COMMAND ${CMAKE_COMMAND} -P ${script}
    DEPENDS ${file} VERBATIM
    COMMENT "Embedding ${file}")
endfunction()
