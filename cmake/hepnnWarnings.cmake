# Warnings for hepnn's own targets only (never set globally, so that a parent
# project's flags are not changed).
function(hepnn_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
    -Wimplicit-fallthrough -Wno-psabi)
  if(HEPNN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
