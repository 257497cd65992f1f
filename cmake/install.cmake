# `cmake --install` layout and the Debian package (CPack DEB). With the default prefix /usr:
#   /usr/sbin/vigild, /usr/bin/vigil-genhash
#   /lib/systemd/system/vigild.service          (VIGIL_SYSTEMD_UNIT_DIR)
#   /etc/default/vigild                         (a conffile in the package)
#   /usr/share/vigil/scripts/                   realserver.sh, check_nginx.sh
#   /usr/share/doc/vigil/                       README.md, docs/*.md, examples/keepalived.conf.lvs-dr
# keepalived's configuration path (/etc/keepalived/keepalived.conf) is left to the operator: the
# package never installs a configuration that would start VRRP on its own.
include(GNUInstallDirs)
# cpack (and `ninja install`) use what is built and never start a build of every target first:
# scripts/package.sh builds, and the package_deb test runs after the build.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# The presets install to /usr (CMakePresets.json), the prefix the Debian package needs: the unit
# and /etc/default/vigild are absolute paths derived from it. -DVIGIL_SYSTEMD_UNIT_DIR= overrides.
if(NOT VIGIL_SYSTEMD_UNIT_DIR)
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(VIGIL_SYSTEMD_UNIT_DIR "/lib/systemd/system")  # Debian 12's place for packaged units
  else()
    set(VIGIL_SYSTEMD_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
  endif()
endif()

install(FILES ${PROJECT_SOURCE_DIR}/etc/vigild.service DESTINATION ${VIGIL_SYSTEMD_UNIT_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/etc/default-vigild
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/default RENAME vigild)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/realserver.sh ${PROJECT_SOURCE_DIR}/scripts/check_nginx.sh
        DESTINATION ${CMAKE_INSTALL_DATADIR}/vigil/scripts)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
        FILES_MATCHING PATTERN "*.md")
install(FILES ${PROJECT_SOURCE_DIR}/etc/keepalived.conf.lvs-dr
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# ---- Debian package: cpack -G DEB (scripts/package.sh builds the release preset first) ----
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "vigil")
set(CPACK_PACKAGE_VENDOR "vigil")
set(CPACK_PACKAGE_CONTACT "vigil maintainers <vigil@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "keepalived-compatible high-availability manager for LVS directors")
set(CPACK_PACKAGE_DESCRIPTION
    "vigild reads an unchanged keepalived.conf: a VRRP engine elects the director that holds\n\
the virtual addresses, health checkers watch the real servers and an IPVS syncer keeps the\n\
kernel's LVS table equal to the configuration plus live health.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)  # as dh_strip does; keeps the package small
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # vigil_VERSION-RELEASE_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends from the binaries' shared libraries
# The maintainer scripts use deb-systemd-helper / deb-systemd-invoke (as dh_installsystemd's do).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "init-system-helpers (>= 1.54~)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "iproute2")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "ipvsadm, keepalived")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)  # maintainer scripts 0755, others 0644
include(CPack)
