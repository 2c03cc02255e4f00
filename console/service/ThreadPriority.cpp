// SPDX-License-Identifier: MIT
#include "service/ThreadPriority.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace dmr::console {

void lowerCurrentThreadPriority()
{
    constexpr int kNice = 5;
    const auto thread = static_cast<id_t>(::syscall(SYS_gettid));
    const int current = ::getpriority(PRIO_PROCESS, thread);
    // Best effort: a failure leaves the thread as it was.
    ::setpriority(PRIO_PROCESS, thread, current < kNice ? kNice : current);
}

} // namespace dmr::console
