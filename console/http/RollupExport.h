// SPDX-License-Identifier: MIT
#pragma once

#include "store/Tier.h"

#include <QByteArray>
#include <QJsonObject>
#include <QStringList>
#include <QVariantList>

namespace dmr::console {

// The buckets of a rollup tier (minute or hour) as export rows, for the REST
// downloads and the window's exports alike. Per bucket: its start
// (sample_time), the interface (network), the samples it holds and their
// first and last time, then per system metric its min, max and avg, or per
// interface the rates' min and max and the bytes counted. Values come in
// ChunkTable::columns() order of the tier's kind (StoreReader::rollupPage).
class RollupExport
{
public:
    // metrics: the system fields to write (written in SystemFields order);
    // empty means all. Ignored for the network table.
    RollupExport(Tier tier, bool network, const QStringList &metrics = {});

    // The columns after uuid, device_id and hostname.
    const QStringList &columns() const { return m_columns; }
    QByteArray csvHeader() const;
    void appendCsv(QByteArray *out, const QByteArray &identity, const QVariantList &values) const;
    QJsonObject object(const QVariantList &values) const;

private:
    // The values after the times, in columns() order.
    QVariantList fields(const QVariantList &values) const;
    QVariant stored(const QVariantList &values, const QString &name) const;

    bool m_network;
    QStringList m_stored; // ChunkTable::columns() of the kind
    QStringList m_metrics; // system fields written
    QStringList m_columns;
};

} // namespace dmr::console
