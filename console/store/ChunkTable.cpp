// SPDX-License-Identifier: MIT
#include "store/ChunkTable.h"

#include "store/NetworkRollup.h"
#include "store/SystemFields.h"
#include "store/SystemRollup.h"

#include <QSqlError>
#include <QSqlQuery>
#include <algorithm>
#include <cmath>
#include <limits>

namespace dmr::console {

namespace {

// Network tables' texts: the raw table's interface, IP and MAC; a rollup's interface.
bool isText(ChunkTable::Kind kind, int column)
{
    if (!ChunkTable::isNetwork(kind))
        return false;
    return ChunkTable::isRollup(kind) ? column == 1 : column >= 1 && column <= 3;
}

// The system metrics stored as DOUBLE PRECISION: percentages and loads.
bool isRealMetric(const QString &name)
{
    return name.endsWith(QLatin1String("_percent")) || name.startsWith(QLatin1String("load_"));
}

bool isRate(const QString &name)
{
    return name.contains(QLatin1String("_rate_"));
}

// Columns held as reals: the real metrics, their aggregates, and rates.
// Everything else is an integer (the rollups' aggregates of integer metrics
// are whole numbers, even where the table calls them DOUBLE PRECISION).
bool isReal(ChunkTable::Kind kind, const QString &name)
{
    if (ChunkTable::isNetwork(kind))
        return isRate(name);
    if (!ChunkTable::isRollup(kind))
        return isRealMetric(name);
    const qsizetype cut = name.lastIndexOf(QLatin1Char('_'));
    return cut > 0 && isRealMetric(name.left(cut));
}

// A rollup rate with no value (NULL) in a chunk: rates are never negative.
constexpr double kNoRate = -1.0;

// How mergeDuplicates() combines a column of two rows of one bucket.
enum class Merge { Key, Add, Min, Max };

Merge mergeOf(const QString &name)
{
    if (name == QLatin1String("samples") || name.endsWith(QLatin1String("_sum")))
        return Merge::Add;
    if (name == QLatin1String("first_ts") || name.endsWith(QLatin1String("_min")))
        return Merge::Min;
    if (name == QLatin1String("last_ts") || name.endsWith(QLatin1String("_max")))
        return Merge::Max;
    return Merge::Key;
}

QVariant merged(Merge merge, const QVariant &a, const QVariant &b)
{
    if (a.isNull())
        return b;
    if (b.isNull())
        return a;
    const bool integers = a.typeId() != QMetaType::Double && b.typeId() != QMetaType::Double;
    switch (merge) {
    case Merge::Key:
        return a;
    case Merge::Add:
        return integers ? QVariant(a.toLongLong() + b.toLongLong())
                        : QVariant(a.toDouble() + b.toDouble());
    case Merge::Min:
        return a.toDouble() <= b.toDouble() ? a : b;
    case Merge::Max:
        return a.toDouble() >= b.toDouble() ? a : b;
    }
    return a;
}

QString failure(const QSqlQuery &query)
{
    return query.lastError().text();
}

} // namespace

qint64 ChunkTable::windowMs(Kind kind)
{
    switch (tierOf(kind)) {
    case Tier::Raw:
        return kWindowMs;
    case Tier::Minute:
        return 24 * 3600 * 1000;
    case Tier::Hour:
        return qint64(30) * 24 * 3600 * 1000;
    }
    return kWindowMs;
}

QString ChunkTable::rowTable(Kind kind)
{
    return isNetwork(kind) ? Tiers::networkTable(tierOf(kind)) : Tiers::systemTable(tierOf(kind));
}

const QStringList &ChunkTable::columns(Kind kind)
{
    static const QStringList system = QStringList {QStringLiteral("ts")} + SystemFields::names()
        + QStringList {QStringLiteral("run_id"), QStringLiteral("sequence")};
    static const QStringList network = {QStringLiteral("ts"), QStringLiteral("interface"),
        QStringLiteral("ip_address"), QStringLiteral("mac_address"), QStringLiteral("rx_bytes"),
        QStringLiteral("tx_bytes"), QStringLiteral("rx_packets"), QStringLiteral("tx_packets")};
    static const QStringList systemRollup = SystemRollup::columns();
    static const QStringList networkRollup = NetworkRollup::columns();
    if (isRollup(kind))
        return isNetwork(kind) ? networkRollup : systemRollup;
    return isNetwork(kind) ? network : system;
}

int ChunkTable::readerColumns(Kind kind)
{
    return kind == Kind::System ? 1 + SystemFields::kCount : int(columns(kind).size());
}

void ChunkTable::sortForReaders(Kind kind, std::vector<QVariantList> *rows)
{
    if (!isNetwork(kind)) {
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

void ChunkTable::mergeDuplicates(Kind kind, std::vector<QVariantList> *rows)
{
    if (!isRollup(kind) || rows->size() < 2)
        return;
    const QStringList &names = columns(kind);
    const bool network = isNetwork(kind);
    auto sameKey = [network](const QVariantList &a, const QVariantList &b) {
        return a.at(0).toLongLong() == b.at(0).toLongLong()
            && (!network || a.at(1).toString() == b.at(1).toString());
    };
    std::size_t kept = 0;
    for (std::size_t i = 1; i < rows->size(); ++i) {
        QVariantList &into = (*rows)[kept];
        QVariantList &row = (*rows)[i];
        if (!sameKey(into, row)) {
            (*rows)[++kept] = std::move(row);
            continue;
        }
        for (int c = 0; c < names.size() && c < into.size() && c < row.size(); ++c)
            into[c] = merged(mergeOf(names.at(c)), into.at(c), row.at(c));
    }
    rows->resize(kept + 1);
}

ColumnBlock ChunkTable::toBlock(Kind kind, std::vector<QVariantList> rows)
{
    if (isNetwork(kind)) {
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
            // A rollup's reals to hundredths: its min and max are values
            // sent (hundredths) and its sums and rates lose only what
            // floating point added, which is what makes them compress.
            const bool rollup = isRollup(kind);
            const bool rate = isRate(names.at(c));
            std::vector<double> values;
            values.reserve(rows.size());
            for (const QVariantList &row : rows) {
                const QVariant &value = row.at(c);
                if (rate && value.isNull())
                    values.push_back(kNoRate);
                else if (rollup)
                    values.push_back(std::round(value.toDouble() * 100.0) / 100.0);
                else
                    values.push_back(value.toDouble());
            }
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
                if (column.reals[r] < 0 && isRollup(kind) && isRate(columns(kind).at(c)))
                    rows[r].append(QVariant()); // kNoRate
                else
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

QStringList ChunkTable::kindIndexStatements()
{
    return {QStringLiteral("CREATE INDEX %1_kind_start ON %1 (kind, start_ts)").arg(table())};
}

bool ChunkTable::forEachRow(const QSqlDatabase &db, Kind kind, qint64 deviceId, qint64 fromMs,
    qint64 toMs, const std::function<bool(const QVariantList &)> &row, QString *error)
{
    if (toMs <= fromMs)
        return true;
    // PostgreSQL (QPSQL) hands a forward-only result over row by row, and
    // any other statement on the connection, a PREPARE too, drops the rows
    // not read yet: each read below is taken to its end before the next
    // statement runs, and row() is called only between reads.
    const QStringList &names = columns(kind);
    const int shown = readerColumns(kind);
    // The windows of the chunks that overlap the range, oldest first: their
    // keys only, a number a window, and each BLOB when its turn comes.
    std::vector<qint64> chunkStarts;
    {
        QSqlQuery chunks(db);
        chunks.setForwardOnly(true);
        chunks.prepare(QStringLiteral("SELECT start_ts FROM %1 WHERE device = ? AND kind = ?"
                                      " AND start_ts > ? AND start_ts < ? AND last_ts >= ?"
                                      " ORDER BY start_ts")
                           .arg(table()));
        chunks.addBindValue(deviceId);
        chunks.addBindValue(int(kind));
        chunks.addBindValue(windowOf(kind, fromMs) - 1);
        chunks.addBindValue(toMs);
        chunks.addBindValue(fromMs);
        if (!chunks.exec()) {
            *error = failure(chunks);
            return false;
        }
        while (chunks.next())
            chunkStarts.push_back(chunks.value(0).toLongLong());
    }
    // A chunk's BLOB by its key (the PostgreSQL table has no id column).
    QSqlQuery data(db);
    data.setForwardOnly(true);
    data.prepare(
        QStringLiteral("SELECT data FROM %1 WHERE device = ? AND kind = ? AND start_ts = ?")
            .arg(table()));
    // The row table's rows of a stretch of time, and where its next row is.
    QSqlQuery rows(db);
    rows.setForwardOnly(true);
    rows.prepare(QStringLiteral("SELECT %1 FROM %2 WHERE device = ? AND ts >= ? AND ts < ?"
                                " ORDER BY ts%3")
                     .arg(names.mid(0, shown).join(QStringLiteral(", ")), rowTable(kind),
                         isNetwork(kind) ? QStringLiteral(", interface") : QString()));
    QSqlQuery nextRow(db);
    nextRow.setForwardOnly(true);
    nextRow.prepare(QStringLiteral("SELECT MIN(ts) FROM %1 WHERE device = ? AND ts >= ? AND ts < ?")
                        .arg(rowTable(kind)));
    auto run = [&](QSqlQuery &query, const QVariantList &values) {
        for (const QVariant &value : values)
            query.addBindValue(value);
        if (query.exec())
            return true;
        *error = failure(query);
        return false;
    };
    auto readRows = [&](qint64 from, qint64 to, std::vector<QVariantList> *into) {
        if (!run(rows, {deviceId, from, to}))
            return false;
        while (rows.next()) {
            QVariantList values;
            values.reserve(shown);
            // A NULL as an invalid QVariant, as a decoded chunk gives it
            // (QPSQL's is a value of the column's type).
            for (int i = 0; i < shown; ++i)
                values.append(rows.isNull(i) ? QVariant() : rows.value(i));
            into->push_back(std::move(values));
        }
        return true;
    };

    std::size_t nextChunk = 0;
    qint64 at = fromMs;
    while (at < toMs) {
        const qint64 chunkStart = nextChunk < chunkStarts.size()
            ? chunkStarts[nextChunk]
            : std::numeric_limits<qint64>::max();
        std::vector<QVariantList> window;
        if (chunkStart > at) {
            // No chunk here: the row table alone, up to the next chunk's
            // window, a window at a time from its next row (so that a year
            // not compacted yet never sits in memory).
            const qint64 gapEnd = std::min(toMs, chunkStart);
            if (!run(nextRow, {deviceId, at, gapEnd}))
                return false;
            const bool found = nextRow.next() && !nextRow.isNull(0);
            const qint64 first = found ? nextRow.value(0).toLongLong() : gapEnd;
            nextRow.finish();
            if (!found) {
                at = gapEnd;
                continue;
            }
            const qint64 end = std::min(gapEnd, windowOf(kind, first) + windowMs(kind));
            if (!readRows(first, end, &window))
                return false;
            at = end;
        } else {
            // The chunk's rows, and those that arrived after it closed (they
            // wait in the row table for the next compaction), merged in order.
            ++nextChunk;
            const qint64 end = std::min(toMs, chunkStart + windowMs(kind));
            if (!run(data, {deviceId, int(kind), chunkStart}))
                return false;
            // A chunk gone since its key was read (retention, where no
            // transaction keeps one snapshot) took its rows with it.
            const bool found = data.next();
            const QByteArray blob = found ? data.value(0).toByteArray() : QByteArray();
            data.finish();
            if (found) {
                const std::optional<ColumnBlock> block = ChunkCodec::decode(blob, error);
                if (!block)
                    return false;
                for (QVariantList &decoded : toRows(kind, *block)) {
                    const qint64 ts = decoded.at(0).toLongLong();
                    if (ts >= at && ts < end) {
                        decoded.resize(shown);
                        window.push_back(std::move(decoded));
                    }
                }
            }
            if (!readRows(at, end, &window))
                return false;
            sortForReaders(kind, &window);
            mergeDuplicates(kind, &window);
            at = end;
        }
        for (const QVariantList &values : window) {
            if (!row(values))
                return true;
        }
    }
    return true;
}

} // namespace dmr::console
