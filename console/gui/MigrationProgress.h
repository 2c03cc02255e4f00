// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace dmr::console {

// Brings the database's schema up to date before the window opens, on a
// thread of its own, with a progress dialog while it takes longer than
// `showAfterMs` (a large database from an older console can take minutes: a
// new tier is computed from every stored row). The GUI thread only shows
// progress. True when the schema is current; else *error says why.
bool migrateShowingProgress(const QString &databasePath, QString *error, int showAfterMs = 500);

} // namespace dmr::console
