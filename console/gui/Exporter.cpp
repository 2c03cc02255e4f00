// SPDX-License-Identifier: MIT
#include "gui/Exporter.h"

#include "gui/HumanFormat.h"
#include "http/ExportCsv.h"
#include "http/RollupExport.h"
#include "service/ThreadPriority.h"
#include "store/StoreReader.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>
#include <memory>

namespace dmr::console {

namespace {

constexpr qsizetype kFlushBytes = 1 << 20;
constexpr qint64 kProgressEveryMs = 100;
// Rollup buckets read per query.
constexpr int kBucketsPerPage = 2000;

std::atomic<int> g_connections {0};

QByteArray jsonString(const QString &text)
{
    QByteArray out = "\"";
    for (const char c : text.toUtf8()) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        default:
            if (uchar(c) < 0x20)
                out += "\\u00" + QByteArray::number(uchar(c), 16).rightJustified(2, '0');
            else
                out += c;
        }
    }
    return out + '"';
}

// Numbers as stored: doubles with the digits they need, integers exact.
QByteArray number(const QVariant &value)
{
    if (value.typeId() == QMetaType::Double)
        return QByteArray::number(value.toDouble(), 'g', 15);
    return QByteArray::number(value.toLongLong());
}

QByteArray isoTime(qint64 ms)
{
    return HumanFormat::isoUtc(ms).toLatin1();
}

// One output file, buffered; cancelWriting() on destruction unless committed.
class Output
{
public:
    explicit Output(const QString &path)
        : m_file(path)
    { }
    bool open(QString *error)
    {
        if (m_file.open(QIODevice::WriteOnly))
            return true;
        *error = QStringLiteral("cannot write %1: %2").arg(m_file.fileName(), m_file.errorString());
        return false;
    }
    void append(const QByteArray &bytes)
    {
        m_buffer += bytes;
        if (m_buffer.size() >= kFlushBytes)
            flush();
    }
    bool flush()
    {
        if (!m_buffer.isEmpty() && m_file.write(m_buffer) != m_buffer.size())
            m_failed = true;
        m_buffer.clear();
        return !m_failed;
    }
    bool commit(QString *error)
    {
        if (flush() && m_file.commit())
            return true;
        *error = QStringLiteral("cannot write %1: %2").arg(m_file.fileName(), m_file.errorString());
        return false;
    }
    void cancel() { m_file.cancelWriting(); }

private:
    QSaveFile m_file;
    QByteArray m_buffer;
    bool m_failed = false;
};

} // namespace

Exporter::Exporter(QString databasePath, QObject *parent)
    : QObject(parent)
    , m_path(std::move(databasePath))
{
    qRegisterMetaType<ExportRequest>();
}

QStringList Exporter::outputFiles(const ExportRequest &request)
{
    QStringList files;
    if (request.format == ExportRequest::Format::Json)
        return {request.path};
    if (!request.systemMetrics.isEmpty())
        files.append(request.path);
    if (request.network) {
        const QFileInfo info(request.path);
        const QString suffix = info.suffix().isEmpty() ? QStringLiteral("csv") : info.suffix();
        files.append(
            info.dir().filePath(info.completeBaseName() + QStringLiteral("-network.") + suffix));
    }
    return files;
}

void Exporter::run(const ExportRequest &request)
{
    lowerCurrentThreadPriority(); // the window stays smooth while it runs
    m_cancelled.store(false);
    QString error;
    const auto fail = [this](const QString &why) { emit finished(false, why, 0); };

    StoreReader reader(m_path, QStringLiteral("export-%1").arg(g_connections.fetch_add(1)));
    if (!reader.open(&error))
        return fail(error);
    const auto fleet = reader.fleet(&error);
    if (!fleet)
        return fail(error);
    QList<DeviceOverview> devices;
    for (const DeviceOverview &row : *fleet) {
        if (request.uuids.isEmpty() || request.uuids.contains(row.device.uuid))
            devices.append(row);
    }
    std::sort(devices.begin(), devices.end(), [](const DeviceOverview &a, const DeviceOverview &b) {
        return a.device.hostname == b.device.hostname ? a.device.uuid < b.device.uuid
                                                      : a.device.hostname < b.device.hostname;
    });
    if (devices.isEmpty())
        return fail(tr("no such device"));

    // The REST export's CSV, with the chosen metrics; JSON rows the same
    // columns by the same names.
    const ExportCsv systemCsv(ExportCsv::Table::System, request.systemMetrics);
    if (!systemCsv.unknown().isEmpty())
        return fail(tr("unknown metric %1").arg(systemCsv.unknown().first()));
    const ExportCsv networkCsv(ExportCsv::Table::Network);
    const QStringList systemColumns = StoreReader::systemColumns();
    QList<int> picked;
    for (const QString &metric : systemCsv.columns().mid(4))
        picked.append(int(systemColumns.indexOf(metric)));
    const bool system = !request.systemMetrics.isEmpty();
    if (!system && !request.network)
        return fail(tr("nothing to export: choose metrics or network"));
    const QStringList networkColumns = StoreReader::networkColumns();

    // One tier for the whole export (one CSV header): the one asked for, or
    // the finest that still holds every device's part of the range (after
    // --keep-raw days only the minutes do).
    Tier tier = request.tier.value_or(Tier::Raw);
    if (!request.tier) {
        for (const DeviceOverview &device : std::as_const(devices)) {
            const auto covering = reader.coveringTier(device.id, request.fromMs, Tier::Raw, &error);
            if (!covering)
                return fail(error);
            tier = std::max(tier, *covering);
        }
    }
    const bool raw = tier == Tier::Raw;
    const RollupExport systemBuckets(tier, false, request.systemMetrics);
    const RollupExport networkBuckets(tier, true);
    // A rollup's buckets, page by page (StoreReader::rollupPage).
    const auto forEachBucket
        = [&](qint64 key, bool network, const StoreReader::Row &row, QString *error) {
              qint64 afterTs = Tiers::bucketOf(tier, request.fromMs) - 1;
              QString afterInterface;
              for (;;) {
                  int rows = 0;
                  bool stopped = false;
                  const bool read = reader.rollupPage(
                      tier, network, key, afterTs, afterInterface, request.toMs, kBucketsPerPage,
                      [&](const QVariantList &values) {
                          ++rows;
                          afterTs = values.at(0).toLongLong();
                          if (network)
                              afterInterface = values.at(1).toString();
                          stopped = !row(values);
                          return !stopped;
                      },
                      error);
                  if (!read)
                      return false;
                  if (stopped || rows < kBucketsPerPage)
                      return true;
              }
          };

    qint64 total = 0;
    for (const DeviceOverview &device : std::as_const(devices)) {
        if (!raw) {
            for (const bool network : {false, true}) {
                if (network ? !request.network : !system)
                    continue;
                if (!forEachBucket(
                        device.id, network, [&](const QVariantList &) { return ++total, true; },
                        &error))
                    return fail(error);
            }
            continue;
        }
        if (system) {
            const auto n = reader.countRows(
                QStringLiteral("system_metrics"), device.id, request.fromMs, request.toMs, &error);
            if (!n)
                return fail(error);
            total += *n;
        }
        if (request.network) {
            const auto n = reader.countRows(
                QStringLiteral("network_metrics"), device.id, request.fromMs, request.toMs, &error);
            if (!n)
                return fail(error);
            total += *n;
        }
    }
    emit progress(0, total);

    const QStringList files = outputFiles(request);
    const bool json = request.format == ExportRequest::Format::Json;
    std::unique_ptr<Output> systemOut;
    std::unique_ptr<Output> networkOut;
    if (json || system) {
        systemOut = std::make_unique<Output>(files.at(0));
        if (!systemOut->open(&error))
            return fail(error);
    }
    if (!json && request.network) {
        networkOut = std::make_unique<Output>(files.last());
        if (!networkOut->open(&error))
            return fail(error);
    }

    qint64 done = 0;
    QElapsedTimer sinceProgress;
    sinceProgress.start();
    const auto counted = [&] {
        ++done;
        if (sinceProgress.elapsed() >= kProgressEveryMs) {
            sinceProgress.restart();
            emit progress(done, total);
        }
        return !m_cancelled.load();
    };
    // A rollup's buckets, system or network, as CSV lines or JSON objects.
    const auto bucketWriter
        = [&](const RollupExport &buckets, Output *out, const QByteArray &identity, bool *first) {
              return StoreReader::Row([&, out, identity, first](const QVariantList &values) {
                  QByteArray line;
                  if (json) {
                      line = *first ? "\n" : ",\n";
                      line += QJsonDocument(buckets.object(values)).toJson(QJsonDocument::Compact);
                  } else {
                      buckets.appendCsv(&line, identity, values);
                  }
                  *first = false;
                  out->append(line);
                  return counted();
              });
          };

    if (!json) {
        if (systemOut)
            systemOut->append(raw ? systemCsv.header() : systemBuckets.csvHeader());
        if (networkOut)
            networkOut->append(raw ? networkCsv.header() : networkBuckets.csvHeader());
    } else {
        systemOut->append("{\"from\":\"" + isoTime(request.fromMs) + "\",\"to\":\""
            + isoTime(request.toMs) + "\",\"resolution\":\"" + Tiers::name(tier).toLatin1()
            + "\",\"devices\":[");
    }

    bool ok = true;
    for (int d = 0; d < devices.size() && ok; ++d) {
        const DeviceSnapshot &device = devices.at(d).device;
        const qint64 key = devices.at(d).id;
        if (json) {
            systemOut->append((d ? ",\n{" : "\n{") + QByteArray("\"uuid\":")
                + jsonString(device.uuid) + ",\"device_id\":" + jsonString(device.deviceId)
                + ",\"hostname\":" + jsonString(device.hostname)
                + ",\"display_name\":" + jsonString(devices.at(d).displayName));
        }
        const QByteArray identity
            = ExportCsv::identity(device.uuid, device.deviceId, device.hostname);
        if (system) {
            bool first = true;
            if (json)
                systemOut->append(",\"system\":[");
            ok = !raw
                ? forEachBucket(key, false,
                    bucketWriter(systemBuckets, systemOut.get(), identity, &first), &error)
                : reader.forEachSystemRow(
                    key, request.fromMs, request.toMs,
                    [&](const QVariantList &row) {
                        QByteArray line;
                        if (json) {
                            line = (first ? "\n{\"sample_time\":\"" : ",\n{\"sample_time\":\"")
                                + isoTime(row.at(0).toLongLong()) + '"';
                            for (int index : std::as_const(picked))
                                line += ",\"" + systemColumns.at(index).toLatin1()
                                    + "\":" + number(row.at(index));
                            line += '}';
                        } else {
                            systemCsv.appendRow(
                                &line, identity, [&row](int i) { return row.at(i); });
                        }
                        first = false;
                        systemOut->append(line);
                        return counted();
                    },
                    &error);
            if (json)
                systemOut->append("]");
        }
        if (ok && request.network) {
            bool first = true;
            Output *out = json ? systemOut.get() : networkOut.get();
            if (json)
                out->append(",\"network\":[");
            ok = !raw
                ? forEachBucket(
                    key, true, bucketWriter(networkBuckets, out, identity, &first), &error)
                : reader.forEachNetworkRow(
                    key, request.fromMs, request.toMs,
                    [&](const QVariantList &row) {
                        QByteArray line;
                        if (json) {
                            line = (first ? "\n{\"sample_time\":\"" : ",\n{\"sample_time\":\"")
                                + isoTime(row.at(0).toLongLong()) + '"';
                            for (int i = 1; i < networkColumns.size(); ++i) {
                                line += ",\"" + networkColumns.at(i).toLatin1() + "\":";
                                line += i <= 3 ? jsonString(row.at(i).toString())
                                               : number(row.at(i));
                            }
                            line += '}';
                        } else {
                            networkCsv.appendRow(
                                &line, identity, [&row](int i) { return row.at(i); });
                        }
                        first = false;
                        out->append(line);
                        return counted();
                    },
                    &error);
            if (json)
                out->append("]");
        }
        if (json)
            systemOut->append("}");
        if (m_cancelled.load())
            break;
    }
    if (json && ok)
        systemOut->append("\n]}\n");

    if (!ok || m_cancelled.load()) {
        for (Output *out : {systemOut.get(), networkOut.get()}) {
            if (out)
                out->cancel();
        }
        emit finished(false, ok ? tr("export cancelled") : error, done);
        return;
    }
    for (Output *out : {systemOut.get(), networkOut.get()}) {
        if (out && !out->commit(&error))
            return fail(error);
    }
    emit progress(done, total);
    emit finished(true,
        raw ? tr("%1 rows written to %2").arg(done).arg(files.join(QStringLiteral(", ")))
            : tr("%1 %2 rows (min, max, avg) written to %3")
                  .arg(done)
                  .arg(Tiers::name(tier))
                  .arg(files.join(QStringLiteral(", "))),
        done);
}

} // namespace dmr::console
