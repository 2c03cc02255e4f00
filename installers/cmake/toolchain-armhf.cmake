# SPDX-License-Identifier: MIT
# 32-bit ARM with hardware floating point (ARMv7, Debian's armhf): 32-bit
# Raspberry Pi OS on Pi 2 and later. Used by installers/cross-build.sh armhf.
set(DMR_CROSS_TRIPLET arm-linux-gnueabihf)
set(DMR_CROSS_PROCESSOR armv7l)
set(DMR_CROSS_QEMU qemu-arm-static)
set(DMR_DEBIAN_ARCH armhf)
# GCC's notes that std::vector's iterators are passed as GCC 7.1 passes them
# (-Wpsabi): only a concern for code mixed with GCC 6's, and everything here
# is built by one compiler.
set(CMAKE_CXX_FLAGS_INIT -Wno-psabi)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
