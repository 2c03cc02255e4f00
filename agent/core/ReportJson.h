// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <string>
#include <string_view>

namespace dmr::agent {

// A report as the pretty JSON object `metrics-agent --print` writes, with the
// field names of DESIGN.md. Written by hand: a JSON library would be most of
// the agent's size for one object.
class ReportJson
{
public:
    static std::string format(const dmr::Report &report);
    // The string with its quotes, escaped per RFC 8259.
    static std::string quote(std::string_view text);
};

} // namespace dmr::agent
