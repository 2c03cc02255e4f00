# SPDX-License-Identifier: MIT
# Shared by toolchain-arm64.cmake and toolchain-armhf.cmake: a cross build
# with Debian's cross compilers (crossbuild-essential-<arch>) against the
# target architecture's -dev packages installed by multiarch
# (libprotobuf-dev:<arch>, ...) under /usr/lib/<triplet>, so no sysroot.
# The including file sets DMR_CROSS_TRIPLET, DMR_CROSS_PROCESSOR and
# DMR_CROSS_QEMU before including this one.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${DMR_CROSS_PROCESSOR})
set(CMAKE_C_COMPILER ${DMR_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${DMR_CROSS_TRIPLET}-g++)
# find_library and find_package look in /usr/lib/<triplet> first; that is
# where multiarch puts the target's libraries and CMake packages (Qt6).
set(CMAKE_LIBRARY_ARCHITECTURE ${DMR_CROSS_TRIPLET})
# The cross compiler's own libc and libstdc++ live here; the target's other
# libraries stay in /usr, where the host's programs (protoc, moc) are too.
set(CMAKE_FIND_ROOT_PATH /usr/${DMR_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# pkg-config (FindOpenSSL asks it first) must read the target's .pc files,
# never the host's: Debian 12 has no <triplet>-pkg-config without an extra
# package, so point the host's at the target's directories.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${DMR_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# protoc and Qt's moc are the host's: the generated code does not depend on
# the architecture, and the target's tools could not run here.
set(Protobuf_PROTOC_EXECUTABLE /usr/bin/protoc CACHE FILEPATH "The host's protoc")
set(QT_HOST_PATH /usr CACHE PATH "The host's Qt (moc)")
set(QT_HOST_PATH_CMAKE_DIR /usr/lib/x86_64-linux-gnu/cmake CACHE PATH "The host's Qt CMake packages")

# ctest (and add_test) run the target's programs through qemu-user. No
# `-L /usr/<triplet>`: the target's libc6:<arch> (which Qt and OpenSSL pull
# in) puts its dynamic loader where the binaries ask for it, and the cross
# toolchain's loader under /usr/<triplet> is another build of glibc that,
# mixed with libc6:<arch>'s libc.so.6, hangs in the first pthread_create.
set(CMAKE_CROSSCOMPILING_EMULATOR ${DMR_CROSS_QEMU})
