# SPDX-License-Identifier: MIT
# Debian packages of this build, with CPack's DEB generator (cpack -G DEB in
# the build folder; installers/package.sh does that and checks the result):
#   metrics-agent             the agent: no Qt, its unit, agent.env
#   metrics-console           the console with its window, .desktop file, icon
#                             and AppStream metainfo; its unit is installed
#                             but not enabled (the window is the console)
#   metrics-console-headless  the console without the window, for servers:
#                             no Qt widgets, charts, X11 or OpenGL
# Depends are computed by dpkg-shlibdeps; what it cannot see (Qt's SQL
# plugins, which are loaded by name) is added here. A cross build (toolchain
# files in installers/cmake/) packages the agent for its architecture.
set(DMR_PACKAGING_DIR ${CMAKE_CURRENT_LIST_DIR})
set(dmr_staging ${CMAKE_BINARY_DIR}/packaging)
set(dmr_state_dir_console /var/lib/device-metrics-reporter)
set(dmr_state_dir_agent /var/lib/metrics-agent)
set(DMR_DEBIAN_REVISION 1)
set(DMR_DEBIAN_VERSION ${PROJECT_VERSION}-${DMR_DEBIAN_REVISION})

set(dmr_components)
if(DMR_BUILD_AGENT)
    list(APPEND dmr_components agent)
endif()
if(DMR_BUILD_CONSOLE)
    list(APPEND dmr_components console headless)
endif()
if(NOT dmr_components)
    return()
endif()

# Man pages from --help (help2man), and bash completion from the same text,
# so that neither falls behind the options; dated 2026-12-01, the release in
# changelog.in, for reproducible pages. A cross build runs the program
# under its emulator (qemu-user).
find_program(DMR_HELP2MAN help2man)
find_program(DMR_GZIP gzip REQUIRED)
set(dmr_generated_docs)
function(dmr_program_docs target name summary)
    set(run ${dmr_staging}/bin/${name})
    string(JOIN " " emulator ${CMAKE_CROSSCOMPILING_EMULATOR})
    file(GENERATE OUTPUT ${run}
        CONTENT "#!/bin/sh\nexec ${emulator} \"$<TARGET_FILE:${target}>\" \"$@\"\n"
        FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
            WORLD_READ WORLD_EXECUTE)
    set(completion ${dmr_staging}/completion/${name})
    add_custom_command(OUTPUT ${completion}
        COMMAND ${DMR_PACKAGING_DIR}/make-completion.sh ${run} > ${completion}.tmp
        COMMAND ${CMAKE_COMMAND} -E rename ${completion}.tmp ${completion}
        DEPENDS ${target} ${DMR_PACKAGING_DIR}/make-completion.sh
        COMMENT "Bash completion for ${name} from its --help" VERBATIM)
    list(APPEND dmr_generated_docs ${completion})
    if(DMR_HELP2MAN)
        set(man ${dmr_staging}/man/${name}.1)
        add_custom_command(OUTPUT ${man}.gz
            COMMAND ${CMAKE_COMMAND} -E make_directory ${dmr_staging}/man
            COMMAND ${CMAKE_COMMAND} -E env LC_ALL=C.UTF-8 SOURCE_DATE_EPOCH=1796083200
                ${DMR_HELP2MAN} --no-info --no-discard-stderr --section=1
                "--name=${summary}" --include=${DMR_PACKAGING_DIR}/${name}.h2m
                --output=${man} ${run}
            COMMAND ${DMR_GZIP} -9nf ${man}
            DEPENDS ${target} ${DMR_PACKAGING_DIR}/${name}.h2m
            COMMENT "Man page for ${name} from its --help" VERBATIM)
        list(APPEND dmr_generated_docs ${man}.gz)
    endif()
    set(dmr_generated_docs ${dmr_generated_docs} PARENT_SCOPE)
endfunction()

if(DMR_BUILD_AGENT)
    dmr_program_docs(metrics-agent metrics-agent
        "reports a Linux device's metrics to a Device Metrics Reporter console")
endif()
if(DMR_BUILD_CONSOLE)
    dmr_program_docs(metrics-console-headless metrics-console
        "receives, stores, charts and serves device metrics (Device Metrics Reporter)")
endif()
add_custom_target(dmr_docs ALL DEPENDS ${dmr_generated_docs})

# The units as the packages install them: /usr/bin, and the user the
# maintainer scripts create instead of a dynamic one (a container has no
# systemd to make one, and the same user owns the state there).
function(dmr_packaged_unit unit user)
    file(READ ${PROJECT_SOURCE_DIR}/installers/systemd/${unit}.service text)
    string(REPLACE "/usr/local/bin/" "/usr/bin/" text "${text}")
    string(REPLACE "DynamicUser=yes" "User=${user}\nGroup=${user}" text "${text}")
    file(WRITE ${dmr_staging}/systemd/${unit}.service "${text}")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
        ${PROJECT_SOURCE_DIR}/installers/systemd/${unit}.service)
endfunction()

# Debian's changelog and copyright, gzip -9n as policy wants (no time stamp,
# so that the packages build reproducibly).
configure_file(${DMR_PACKAGING_DIR}/changelog.in ${dmr_staging}/changelog.Debian @ONLY)
execute_process(COMMAND ${DMR_GZIP} -9nc ${dmr_staging}/changelog.Debian
    OUTPUT_FILE ${dmr_staging}/changelog.Debian.gz COMMAND_ERROR_IS_FATAL ANY)

# What every package holds besides its program: documentation, the man page,
# completion, lintian's overrides (each explained in the file).
function(dmr_package_docs component package program)
    set(doc share/doc/${package})
    install(FILES ${DMR_PACKAGING_DIR}/copyright ${dmr_staging}/changelog.Debian.gz
        DESTINATION ${doc} COMPONENT ${component} EXCLUDE_FROM_ALL)
    install(FILES ${dmr_staging}/completion/${program}
        DESTINATION share/bash-completion/completions COMPONENT ${component})
    if(DMR_HELP2MAN)
        install(FILES ${dmr_staging}/man/${program}.1.gz
            DESTINATION share/man/man1 COMPONENT ${component})
    endif()
    if(EXISTS ${DMR_PACKAGING_DIR}/${package}.lintian-overrides)
        install(FILES ${DMR_PACKAGING_DIR}/${package}.lintian-overrides
            DESTINATION share/lintian/overrides RENAME ${package}
            COMPONENT ${component} EXCLUDE_FROM_ALL)
    endif()
endfunction()

# Maintainer scripts from templates: the user and its state directory, the
# unit enabled (or not) and started only where systemd runs, purge.
function(dmr_maintainer_scripts component package unit user state_dir enable env_file)
    set(PACKAGE ${package})
    set(UNIT ${unit}.service)
    set(USER ${user})
    set(STATE_DIR ${state_dir})
    set(ENABLE ${enable})
    set(dir ${dmr_staging}/control/${package})
    foreach(script postinst prerm postrm)
        configure_file(${DMR_PACKAGING_DIR}/${script}.in ${dir}/${script} @ONLY
            FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                WORLD_READ WORLD_EXECUTE)
    endforeach()
    file(WRITE ${dir}/conffiles "/etc/device-metrics-reporter/${env_file}\n")
    string(TOUPPER ${component} upper)
    set(CPACK_DEBIAN_${upper}_PACKAGE_CONTROL_EXTRA
        ${dir}/postinst ${dir}/prerm ${dir}/postrm ${dir}/conffiles PARENT_SCOPE)
    set(CPACK_DEBIAN_${upper}_PACKAGE_CONTROL_STRICT_PERMISSION ON PARENT_SCOPE)

    dmr_packaged_unit(${unit} ${user})
    install(FILES ${dmr_staging}/systemd/${unit}.service DESTINATION /lib/systemd/system
        COMPONENT ${component} EXCLUDE_FROM_ALL)
    install(FILES ${PROJECT_SOURCE_DIR}/installers/systemd/${env_file}.example
        DESTINATION /etc/device-metrics-reporter RENAME ${env_file}
        COMPONENT ${component} EXCLUDE_FROM_ALL)
endfunction()

if(DMR_BUILD_AGENT)
    dmr_package_docs(agent metrics-agent metrics-agent)
    dmr_maintainer_scripts(agent metrics-agent metrics-agent metrics-agent
        ${dmr_state_dir_agent} yes agent.env)
endif()
if(DMR_BUILD_CONSOLE)
    dmr_package_docs(console metrics-console metrics-console)
    dmr_package_docs(headless metrics-console-headless metrics-console)
    dmr_maintainer_scripts(console metrics-console metrics-console metrics-console
        ${dmr_state_dir_console} no console.env)
    dmr_maintainer_scripts(headless metrics-console-headless metrics-console
        metrics-console ${dmr_state_dir_console} yes console.env)
    # The window's desktop integration (also what install.sh puts under
    # /usr/local).
    install(FILES ${PROJECT_SOURCE_DIR}/resources/metrics-console.desktop
        DESTINATION share/applications COMPONENT console)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/metrics-console.svg
        DESTINATION share/icons/hicolor/scalable/apps COMPONENT console)
    install(FILES ${DMR_PACKAGING_DIR}/metrics-console.metainfo.xml
        DESTINATION share/metainfo RENAME org.device_metrics_reporter.console.metainfo.xml
        COMPONENT console)
endif()

# The target's Debian architecture: the host's, or the cross toolchain's.
if(DEFINED DMR_DEBIAN_ARCH)
    set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${DMR_DEBIAN_ARCH})
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${dmr_components})
set(CPACK_PACKAGE_NAME device-metrics-reporter)
set(CPACK_PACKAGE_VENDOR "Device Metrics Reporter")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${DMR_DEBIAN_REVISION})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER
    "Device Metrics Reporter maintainers <maintainers@device-metrics-reporter.org>")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SOURCE device-metrics-reporter)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME metrics-agent)
set(CPACK_DEBIAN_AGENT_DESCRIPTION
    "Device Metrics Reporter agent: reports a Linux device's metrics
The agent reads /proc and /sys every few seconds (CPU, memory, disks and
file systems, load, uptime, network interfaces, temperatures, battery,
failed systemd units, the busiest processes) and sends one small protobuf
datagram over UDP to a Device Metrics Reporter console. It needs no Qt and
runs on small boards.")
# libcrypto is opened only when reports are signed or encrypted.
set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_AGENT_PACKAGE_RECOMMENDS "libssl3")

set(console_description
    "The console receives the agents' UDP reports, keeps their history in SQLite
(or a shared PostgreSQL server), watches devices go online and offline,
alerts, exports CSV and JSON, and serves a REST API and a web dashboard.")
set(CPACK_DEBIAN_CONSOLE_PACKAGE_NAME metrics-console)
set(CPACK_DEBIAN_CONSOLE_DESCRIPTION
    "Device Metrics Reporter console, with its desktop window
${console_description}
This package holds the Qt desktop window; metrics-console-headless is the
same console for servers, without it.")
set(CPACK_DEBIAN_CONSOLE_PACKAGE_SECTION net)
set(CPACK_DEBIAN_CONSOLE_PACKAGE_DEPENDS "adduser, libqt6sql6-sqlite")
# The window's SVG icon; Wayland without XWayland.
set(CPACK_DEBIAN_CONSOLE_PACKAGE_RECOMMENDS "libqt6svg6, qt6-wayland")
set(CPACK_DEBIAN_CONSOLE_PACKAGE_SUGGESTS "libqt6sql6-psql, metrics-agent")
set(CPACK_DEBIAN_CONSOLE_PACKAGE_CONFLICTS "metrics-console-headless")
set(CPACK_DEBIAN_CONSOLE_PACKAGE_REPLACES "metrics-console-headless")

set(CPACK_DEBIAN_HEADLESS_PACKAGE_NAME metrics-console-headless)
set(CPACK_DEBIAN_HEADLESS_DESCRIPTION
    "Device Metrics Reporter console for servers, without a window
${console_description}
This package runs it as a service, without Qt's widgets and charts;
metrics-console adds the desktop window.")
set(CPACK_DEBIAN_HEADLESS_PACKAGE_SECTION net)
set(CPACK_DEBIAN_HEADLESS_PACKAGE_DEPENDS "adduser, libqt6sql6-sqlite")
set(CPACK_DEBIAN_HEADLESS_PACKAGE_SUGGESTS "libqt6sql6-psql, metrics-agent")
set(CPACK_DEBIAN_HEADLESS_PACKAGE_CONFLICTS "metrics-console")
set(CPACK_DEBIAN_HEADLESS_PACKAGE_REPLACES "metrics-console")

include(CPack)
