// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <QSqlQuery>
#include <QStringList>
#include <array>

namespace dmr::console {

// The system metrics as stored, in one order for every table and query that
// lists them: DESIGN.md's column names, and a sample's values in that order.
namespace SystemFields {

constexpr int kCount = 12;

const QStringList &names();
std::array<double, kCount> values(const dmr::SystemSample &sample);
// The sample in a query's columns first .. first + kCount - 1, selected in
// names()' order (the percentages are derived, so not read back).
dmr::SystemSample fromQuery(const QSqlQuery &query, int first);

} // namespace SystemFields

} // namespace dmr::console
