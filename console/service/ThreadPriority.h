// SPDX-License-Identifier: MIT
#pragma once

namespace dmr::console {

// Lowers the calling thread's scheduling priority (nice +5; Linux nice values
// are per thread). The desktop console runs its receiving, storing and
// reading threads so: when the machine is busy the GUI thread gets the CPU
// first, and the background work takes what is left, which is most of it.
void lowerCurrentThreadPriority();

} // namespace dmr::console
