# What `cmake --install` puts on a machine, and CPack's .deb of it: the binary, the man page
# (help2man over the binary's own --help), bash/zsh/fish completion (`stackvisor completion`),
# the stackvisor@.service template unit, and the Debian copyright and changelog.
#   cmake --build build --target package     -> build/stackvisor_<version>_<arch>.deb
set(STACKVISOR_MAINTAINER "stackvisor maintainers <stackvisor@example.org>" CACHE STRING
    "The .deb's Maintainer: and changelog signature")
set(pkg ${PROJECT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${pkg})
find_program(HELP2MAN help2man)
find_program(GZIP gzip REQUIRED)

set(generated ${pkg}/stackvisor.bash ${pkg}/_stackvisor ${pkg}/stackvisor.fish
              ${pkg}/changelog.gz)
add_custom_command(
  OUTPUT ${pkg}/stackvisor.bash ${pkg}/_stackvisor ${pkg}/stackvisor.fish
  COMMAND ${CMAKE_COMMAND} -DOUT=${pkg}/stackvisor.bash -P ${PROJECT_SOURCE_DIR}/cmake/run_to_file.cmake
          -- $<TARGET_FILE:stackvisor> completion bash
  COMMAND ${CMAKE_COMMAND} -DOUT=${pkg}/_stackvisor -P ${PROJECT_SOURCE_DIR}/cmake/run_to_file.cmake
          -- $<TARGET_FILE:stackvisor> completion zsh
  COMMAND ${CMAKE_COMMAND} -DOUT=${pkg}/stackvisor.fish -P ${PROJECT_SOURCE_DIR}/cmake/run_to_file.cmake
          -- $<TARGET_FILE:stackvisor> completion fish
  DEPENDS stackvisor ${PROJECT_SOURCE_DIR}/cmake/run_to_file.cmake
  COMMENT "Shell completion scripts" VERBATIM)
# Debian wants a changelog even for a native package; one entry for the version built.
file(WRITE ${pkg}/changelog
     "stackvisor (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
     "  * Built from the stackvisor source tree.\n\n"
     " -- ${STACKVISOR_MAINTAINER}  Thu, 01 Jan 2026 00:00:00 +0000\n")
add_custom_command(
  OUTPUT ${pkg}/changelog.gz
  COMMAND ${GZIP} -9nkf ${pkg}/changelog
  DEPENDS ${pkg}/changelog
  COMMENT "Debian changelog" VERBATIM)
if(HELP2MAN)
  list(APPEND generated ${pkg}/stackvisor.1.gz)
  add_custom_command(
    OUTPUT ${pkg}/stackvisor.1.gz
    COMMAND ${CMAKE_COMMAND} -E env SOURCE_DATE_EPOCH=1767225600
            ${PROJECT_SOURCE_DIR}/scripts/make-man.sh $<TARGET_FILE:stackvisor> ${pkg}/stackvisor.1
    COMMAND ${GZIP} -9nf ${pkg}/stackvisor.1
    DEPENDS stackvisor ${PROJECT_SOURCE_DIR}/scripts/make-man.sh
    COMMENT "Man page (help2man)")
  install(FILES ${pkg}/stackvisor.1.gz DESTINATION share/man/man1)
else()
  message(STATUS "help2man not found: no man page (apt-get install help2man)")
endif()
add_custom_target(stackvisor_packaging_files ALL DEPENDS ${generated})

install(TARGETS stackvisor RUNTIME DESTINATION bin)
install(FILES ${pkg}/stackvisor.bash DESTINATION share/bash-completion/completions
        RENAME stackvisor)
install(FILES ${pkg}/_stackvisor DESTINATION share/zsh/vendor-completions)
install(FILES ${pkg}/stackvisor.fish DESTINATION share/fish/vendor_completions.d)
# Debian 12 keeps system units in /lib/systemd/system (lintian: systemd-service-file-outside-lib).
install(FILES ${PROJECT_SOURCE_DIR}/packaging/stackvisor@.service DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright ${pkg}/changelog.gz
        DESTINATION share/doc/stackvisor)
if(EXISTS ${PROJECT_SOURCE_DIR}/recipes)
  # Entrypoints (recipes/postgres/docker-entrypoint.sh) and their steps are run directly: keep
  # them executable.
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/recipes/ DESTINATION share/stackvisor/recipes
          PATTERN "*.sh" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                                     GROUP_EXECUTE WORLD_READ WORLD_EXECUTE
          # The nginx entrypoint sources an *.envsh only when it is executable, as the image's.
          PATTERN "*.envsh" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                                        GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME stackvisor)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "${STACKVISOR_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "supervisor for a compose-style stack of native processes")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "stackvisor runs the services of a compose.yaml as native processes, in\ndependency and readiness order, restarting them when they fail, with their\nlogs on stdout. It exports the same manifest to systemd units, Kubernetes\nobjects or a Nomad job.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
# lintian: directories 0755, files 0644 whatever the builder's umask.
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
    GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
