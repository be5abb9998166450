# Installation and the Debian package (scripts/package.sh): the binary, its man pages and bash completion
# (made at build time by scripts/make_docs.py from the binary's own --help, one source of truth), README,
# the licence. Depends comes from dpkg-shlibdeps over the binary, so nothing hand-listed can drift; the
# version is project(VERSION) in CMakeLists.txt, the same that `oci-push --version` prints.
include(GNUInstallDirs)

set(OCI_PUSH_DOCS_DIR ${CMAKE_BINARY_DIR}/docs)
add_custom_command(
  OUTPUT ${OCI_PUSH_DOCS_DIR}/stamp
  COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/scripts/make_docs.py --binary $<TARGET_FILE:oci-push>
          --out ${OCI_PUSH_DOCS_DIR}
  COMMAND ${CMAKE_COMMAND} -E touch ${OCI_PUSH_DOCS_DIR}/stamp
  DEPENDS oci-push ${PROJECT_SOURCE_DIR}/scripts/make_docs.py
  COMMENT "Man pages and bash completion from oci-push --help")
add_custom_target(oci_push_docs ALL DEPENDS ${OCI_PUSH_DOCS_DIR}/stamp)

install(TARGETS oci-push RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${OCI_PUSH_DOCS_DIR}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 FILES_MATCHING PATTERN "*.1")
install(FILES ${OCI_PUSH_DOCS_DIR}/completion/oci-push.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME oci-push)
install(FILES README.md ARCHITECTURE.md docs/build.md docs/json.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/oci-push)
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/oci-push RENAME copyright)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME oci-push)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Daemonless container image push, pull, copy and build for OCI registries and ECR")
set(CPACK_PACKAGE_CONTACT "oci-push developers <oci-push@localhost>")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # oci-push_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://localhost/oci-push")
set(CPACK_STRIP_FILES ON)
include(CPack)
