# SPDX-License-Identifier: MIT
# 32-bit ARM with hardware floating point (ARMv7, Debian's armhf): 32-bit
# Raspberry Pi OS on Pi 2 and later. Used by installers/cross-build.sh armhf.
set(DMR_CROSS_TRIPLET arm-linux-gnueabihf)
set(DMR_CROSS_PROCESSOR armv7l)
set(DMR_CROSS_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
