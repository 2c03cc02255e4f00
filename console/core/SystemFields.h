// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <QStringList>
#include <array>

// The system metrics as stored, in one order for every table and query that
// lists them: DESIGN.md's column names, and a sample's values in that order.
namespace SystemFields {

constexpr int kCount = 11;

const QStringList &names();
std::array<double, kCount> values(const dmr::SystemSample &sample);

} // namespace SystemFields
