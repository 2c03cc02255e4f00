// SPDX-License-Identifier: MIT
#include "store/ChunkTable.h"

#include "store/SystemFields.h"

#include <QSqlError>
#include <QSqlQuery>
#include <algorithm>
#include <limits>

namespace dmr::console {

namespace {

bool isText(ChunkTable::Kind kind, int column)
{
    return kind == ChunkTable::Kind::Network && column >= 1 && column <= 3;
}

// The system columns stored as DOUBLE PRECISION: percentages and loads.
bool isReal(ChunkTable::Kind kind, const QString &name)
{
    return kind == ChunkTable::Kind::System
        && (name.endsWith(QLatin1String("_percent")) || name.startsWith(QLatin1String("load_")));
}

QString failure(const QSqlQuery &query)
{
    return query.lastError().text();
}

} // namespace

QString ChunkTable::rowTable(Kind kind)
{
    return kind == Kind::System ? QStringLiteral("system_metrics")
                                : QStringLiteral("network_metrics");
}

const QStringList &ChunkTable::columns(Kind kind)
{
    static const QStringList system = QStringList {QStringLiteral("ts")} + SystemFields::names()
        + QStringList {QStringLiteral("run_id"), QStringLiteral("sequence")};
    static const QStringList network = {QStringLiteral("ts"), QStringLiteral("interface"),
        QStringLiteral("ip_address"), QStringLiteral("mac_address"), QStringLiteral("rx_bytes"),
        QStringLiteral("tx_bytes"), QStringLiteral("rx_packets"), QStringLiteral("tx_packets")};
    return kind == Kind::System ? system : network;
}

int ChunkTable::readerColumns(Kind kind)
{
    return kind == Kind::System ? 1 + SystemFields::kCount : int(columns(kind).size());
}

void ChunkTable::sortForReaders(Kind kind, std::vector<QVariantList> *rows)
{
    if (kind == Kind::System) {
        std::stable_sort(
            rows->begin(), rows->end(), [](const QVariantList &a, const QVariantList &b) {
                return a.at(0).toLongLong() < b.at(0).toLongLong();
            });
        return;
    }
    std::stable_sort(rows->begin(), rows->end(), [](const QVariantList &a, const QVariantList &b) {
        const qint64 ta = a.at(0).toLongLong(), tb = b.at(0).toLongLong();
        return ta != tb ? ta < tb : a.at(1).toString() < b.at(1).toString();
    });
}

ColumnBlock ChunkTable::toBlock(Kind kind, std::vector<QVariantList> rows)
{
    if (kind == Kind::Network) {
        std::stable_sort(
            rows.begin(), rows.end(), [](const QVariantList &a, const QVariantList &b) {
                const QString ia = a.at(1).toString(), ib = b.at(1).toString();
                return ia != ib ? ia < ib : a.at(0).toLongLong() < b.at(0).toLongLong();
            });
    } else {
        sortForReaders(kind, &rows);
    }
    const QStringList &names = columns(kind);
    ColumnBlock block;
    for (int c = 0; c < names.size(); ++c) {
        if (isText(kind, c)) {
            std::vector<std::string> values;
            values.reserve(rows.size());
            for (const QVariantList &row : rows)
                values.push_back(row.at(c).toString().toStdString());
            block.columns.push_back(Column::ofTexts(std::move(values)));
        } else if (isReal(kind, names.at(c))) {
            std::vector<double> values;
            values.reserve(rows.size());
            for (const QVariantList &row : rows)
                values.push_back(row.at(c).toDouble());
            block.columns.push_back(Column::ofReals(std::move(values)));
        } else {
            std::vector<std::int64_t> values;
            values.reserve(rows.size());
            for (const QVariantList &row : rows)
                values.push_back(row.at(c).toLongLong());
            block.columns.push_back(Column::ofIntegers(std::move(values)));
        }
    }
    return block;
}

std::vector<QVariantList> ChunkTable::toRows(Kind kind, const ColumnBlock &block)
{
    std::vector<QVariantList> rows(block.rows());
    const int count = std::min<int>(int(block.columns.size()), int(columns(kind).size()));
    for (QVariantList &row : rows)
        row.reserve(count);
    for (int c = 0; c < count; ++c) {
        const Column &column = block.columns[std::size_t(c)];
        for (std::size_t r = 0; r < rows.size(); ++r) {
            switch (column.type) {
            case Column::Type::Integer:
                rows[r].append(qint64(column.integers[r]));
                break;
            case Column::Type::Real:
                rows[r].append(column.reals[r]);
                break;
            case Column::Type::Text:
                rows[r].append(QString::fromStdString(column.texts[r]));
                break;
            }
        }
    }
    return rows;
}

QStringList ChunkTable::createStatements()
{
    // start_ts is the window's start; first_ts and last_ts bound the rows in
    // it. BLOB is BYTEA on PostgreSQL ({{BLOB}}).
    return {QStringLiteral("CREATE TABLE %1 ("
                           " id {{ID}},"
                           " device BIGINT NOT NULL REFERENCES devices(id),"
                           " kind INTEGER NOT NULL,"
                           " start_ts BIGINT NOT NULL,"
                           " first_ts BIGINT NOT NULL,"
                           " last_ts BIGINT NOT NULL,"
                           " row_count BIGINT NOT NULL,"
                           " data {{BLOB}} NOT NULL)")
                .arg(table()),
        QStringLiteral("CREATE UNIQUE INDEX %1_device_kind_start ON %1 (device, kind, start_ts)")
            .arg(table())};
}

bool ChunkTable::forEachRow(const QSqlDatabase &db, Kind kind, qint64 deviceId, qint64 fromMs,
    qint64 toMs, const std::function<bool(const QVariantList &)> &row, QString *error)
{
    if (toMs <= fromMs)
        return true;
    const QStringList &names = columns(kind);
    const int shown = readerColumns(kind);
    // The chunks that overlap the range, oldest first.
    QSqlQuery chunks(db);
    chunks.setForwardOnly(true);
    chunks.prepare(QStringLiteral("SELECT start_ts, data FROM %1 WHERE device = ? AND kind = ?"
                                  " AND start_ts > ? AND start_ts < ? AND last_ts >= ?"
                                  " ORDER BY start_ts")
                       .arg(table()));
    chunks.addBindValue(deviceId);
    chunks.addBindValue(int(kind));
    chunks.addBindValue(windowOf(fromMs) - 1);
    chunks.addBindValue(toMs);
    chunks.addBindValue(fromMs);
    if (!chunks.exec()) {
        *error = failure(chunks);
        return false;
    }
    const QString select
        = QStringLiteral("SELECT %1 FROM %2 WHERE device = ? AND ts >= ? AND ts < ?")
              .arg(names.mid(0, shown).join(QStringLiteral(", ")), rowTable(kind));
    // Rows to merge with a chunk's, and rows alone, ordered by the database.
    QSqlQuery merged(db);
    merged.setForwardOnly(true);
    merged.prepare(select);
    QSqlQuery streamed(db);
    streamed.setForwardOnly(true);
    streamed.prepare(select + QStringLiteral(" ORDER BY ts")
        + (kind == Kind::Network ? QStringLiteral(", interface") : QString()));
    auto run = [&](QSqlQuery &query, qint64 from, qint64 to) {
        query.addBindValue(deviceId);
        query.addBindValue(from);
        query.addBindValue(to);
        if (query.exec())
            return true;
        *error = failure(query);
        return false;
    };
    auto valuesOf = [shown](const QSqlQuery &query) {
        QVariantList values;
        values.reserve(shown);
        for (int i = 0; i < shown; ++i)
            values.append(query.value(i));
        return values;
    };

    bool haveChunk = chunks.next();
    qint64 at = fromMs;
    while (at < toMs) {
        const qint64 chunkStart
            = haveChunk ? chunks.value(0).toLongLong() : std::numeric_limits<qint64>::max();
        if (chunkStart > at) {
            // No chunk here: the row table alone, up to the next chunk's window.
            const qint64 end = std::min(toMs, chunkStart);
            if (!run(streamed, at, end))
                return false;
            while (streamed.next()) {
                if (!row(valuesOf(streamed)))
                    return true;
            }
            streamed.finish();
            at = end;
            continue;
        }
        // The chunk's rows, and those that arrived after it closed (they wait
        // in the row table for the next compaction), merged in order.
        const qint64 end = std::min(toMs, chunkStart + kWindowMs);
        const std::optional<ColumnBlock> block
            = ChunkCodec::decode(chunks.value(1).toByteArray(), error);
        if (!block)
            return false;
        std::vector<QVariantList> window;
        for (QVariantList &decoded : toRows(kind, *block)) {
            const qint64 ts = decoded.at(0).toLongLong();
            if (ts >= at && ts < end) {
                decoded.resize(shown);
                window.push_back(std::move(decoded));
            }
        }
        if (!run(merged, at, end))
            return false;
        while (merged.next())
            window.push_back(valuesOf(merged));
        merged.finish();
        sortForReaders(kind, &window);
        for (const QVariantList &values : window) {
            if (!row(values))
                return true;
        }
        haveChunk = chunks.next();
        at = end;
    }
    return true;
}

} // namespace dmr::console
