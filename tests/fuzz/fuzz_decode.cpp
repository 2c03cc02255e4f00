// SPDX-License-Identifier: MIT
// libFuzzer target: any bytes through the codec. decode() must refuse with a
// reason or return a report that validate() accepts, and a decoded report
// must survive encode() and decode() again unchanged (up to interfaces that
// encode() leaves out to stay within a datagram). AddressSanitizer and
// UndefinedBehaviorSanitizer watch memory and arithmetic on the way.
#include "dmr/Codec.h"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const dmr::DecodeResult result = dmr::decode(data, size);
    if (!result.ok()) {
        if (result.reason == dmr::RejectReason::None || result.detail.empty())
            std::abort(); // a refusal always says why
        return 0;
    }
    const dmr::Report &report = *result.report;
    if (!dmr::validate(report).empty())
        std::abort();
    const std::string again = dmr::encode(report);
    if (again.size() > dmr::kMaxDatagramSize)
        std::abort();
    const dmr::DecodeResult round = dmr::decode(again);
    if (!round.ok())
        std::abort();
    dmr::Report expected = report;
    expected.interfaces.resize(round.report->interfaces.size());
    if (round.report->interfaces.size() > report.interfaces.size() || !(*round.report == expected))
        std::abort();
    return 0;
}
