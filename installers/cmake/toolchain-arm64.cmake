# SPDX-License-Identifier: MIT
# 64-bit ARM (aarch64): Raspberry Pi 3, 4 and 5 with a 64-bit OS, most
# current ARM boards. Used by installers/cross-build.sh arm64.
set(DMR_CROSS_TRIPLET aarch64-linux-gnu)
set(DMR_CROSS_PROCESSOR aarch64)
set(DMR_CROSS_QEMU qemu-aarch64-static)
set(DMR_DEBIAN_ARCH arm64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake)
