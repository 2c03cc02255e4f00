// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QStringList>

namespace dmr::console {

// One step of a driver's schema history: its statements run in one
// transaction, then schema_version is set to `version`.
struct SchemaStep
{
    int version;
    QStringList statements;
};

// The schema on PostgreSQL, a history of its own: version 1 is what SQLite
// reached in eight, written for PostgreSQL. The metric tables are partitioned
// by time (PartitionManager adds the partitions and drops old ones), each
// with a DEFAULT partition so that no insert ever fails for want of one.
// Keys are COLLATE "C", so that ORDER BY agrees with SQLite's and with the
// C++ comparisons of keyset pages.
namespace PostgresSchema {

const QList<SchemaStep> &migrations();

} // namespace PostgresSchema

} // namespace dmr::console
