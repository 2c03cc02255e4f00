// SPDX-License-Identifier: MIT
#include "http/MetricsExport.h"

#include "http/ApiJson.h"
#include "http/ExportCsv.h"
#include "http/HttpLogging.h"
#include "store/StoreReader.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

namespace dmr::console {

namespace {

// Pages are written while less than this waits in the socket's send buffer.
constexpr qint64 kLowWater = 256 * 1024;

} // namespace

MetricsExport::MetricsExport(
    Request request, StoreReader *reader, QHttpServerResponder &&responder, QObject *parent)
    : QObject(parent)
    , m_request(std::move(request))
    , m_reader(reader)
    , m_responder(std::move(responder))
    , m_socket(m_responder.socket())
    , m_lastTs(Tiers::bucketOf(m_request.tier, m_request.fromMs) - 1)
    , m_csv(m_request.table == Table::System ? ExportCsv::Table::System : ExportCsv::Table::Network)
    , m_rollup(m_request.tier, m_request.table == Table::Network)
    , m_identity(ExportCsv::identity(m_request.uuid, m_request.deviceId, m_request.hostname))
{ }

void MetricsExport::start()
{
    const bool csv = m_request.format == Format::Csv;
    const bool raw = m_request.tier == Tier::Raw;
    const bool hardware = m_request.table == Table::Hardware;
    const QByteArray name = QByteArrayLiteral("device-") + m_request.uuid.toLatin1() + '-'
        + (hardware                                ? "hardware"
                : m_request.table == Table::System ? "system"
                                                   : "network")
        + (raw ? QByteArray() : '-' + Tiers::name(m_request.tier).toLatin1())
        + (csv ? ".csv" : ".json");
    if (hardware && csv) {
        // Cores as the newest report has them; a failed read leaves none.
        QString error;
        const std::optional<HardwareRow> latest = m_reader->latestHardware(m_request.uuid, &error);
        m_hardwareCsv = HardwareCsv(latest ? int(latest->hardware.corePercents.size()) : 0);
    }
    const QByteArray header = hardware ? m_hardwareCsv.header()
        : raw                          ? m_csv.header()
                                       : m_rollup.csvHeader();
    m_responder.writeStatusLine(QHttpServerResponder::StatusCode::Ok);
    m_responder.writeHeaders({
        {QByteArrayLiteral("Content-Type"),
            csv ? QByteArrayLiteral("text/csv; charset=utf-8")
                : QByteArrayLiteral("application/json")},
        {QByteArrayLiteral("Content-Disposition"),
            QByteArrayLiteral("attachment; filename=\"") + name + '"'},
        {QByteArrayLiteral("Transfer-Encoding"), QByteArrayLiteral("chunked")},
        {QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store")},
        // Which tier the rows are: raw, minute or hour.
        {QByteArrayLiteral("X-Resolution"), Tiers::name(m_request.tier).toLatin1()},
    });
    writeChunk(csv ? header : QByteArrayLiteral("["));
    if (!m_socket) {
        deleteLater();
        return;
    }
    connect(m_socket, &QTcpSocket::bytesWritten, this, &MetricsExport::pump);
    connect(m_socket, &QTcpSocket::disconnected, this, &MetricsExport::deleteLater);
    connect(m_socket, &QObject::destroyed, this, &MetricsExport::deleteLater);
    pump();
}

void MetricsExport::pump()
{
    while (!m_done && m_socket && m_socket->bytesToWrite() < kLowWater) {
        QString error;
        if (!writePage(&error)) {
            // Headers are gone already: all that is left is to cut the stream
            // short, which the client sees as an incomplete chunked body.
            qCWarning(
                lcHttp, "export of %s failed: %s", qPrintable(m_request.uuid), qPrintable(error));
            m_done = true;
            m_socket->abort();
        }
    }
    if (m_done && (!m_socket || m_socket->bytesToWrite() == 0))
        deleteLater();
}

bool MetricsExport::writeHardwarePage(QString *error)
{
    const bool csv = m_request.format == Format::Csv;
    const std::optional<HardwareHistory> page
        = m_reader->hardwareHistory(m_request.uuid, m_lastTs + 1, m_request.toMs, kPageRows, error);
    if (!page)
        return false;
    QByteArray out;
    for (const HardwareRow &row : page->rows) {
        if (csv) {
            m_hardwareCsv.appendRow(&out, m_identity, row.ts, row.hardware);
        } else {
            if (!m_firstRow)
                out += ',';
            out += QJsonDocument(ApiJson::hardware(row.hardware, row.ts))
                       .toJson(QJsonDocument::Compact);
        }
        m_firstRow = false;
    }
    // Undecodable rows (left out) count towards the page: the next one
    // starts after the last row read.
    if (page->read > 0)
        m_lastTs = page->lastTs;
    if (page->read < kPageRows) {
        if (!csv)
            out += "]\n";
        m_done = true;
    }
    writeChunk(out);
    if (m_done)
        finish();
    return true;
}

bool MetricsExport::writePage(QString *error)
{
    if (m_request.table == Table::Hardware)
        return writeHardwarePage(error);
    const bool system = m_request.table == Table::System;
    const QStringList names = system ? StoreReader::systemColumns() : StoreReader::networkColumns();
    const bool csv = m_request.format == Format::Csv;
    QByteArray out;
    out.reserve(kPageRows * 160);
    int rows = 0;
    const StoreReader::Row row = [&](const QVariantList &values) {
        ++rows;
        m_lastTs = values.at(0).toLongLong();
        if (!system)
            m_lastInterface = values.at(1).toString();
        if (csv) {
            m_csv.appendRow(&out, m_identity, [&values](int i) { return values.at(i); });
        } else {
            QJsonObject object {{QStringLiteral("sample_time"), ApiJson::timeText(m_lastTs)}};
            for (int i = 1; i < names.size(); ++i)
                object.insert(names.at(i), QJsonValue::fromVariant(values.at(i)));
            if (!m_firstRow)
                out += ',';
            out += QJsonDocument(object).toJson(QJsonDocument::Compact);
        }
        m_firstRow = false;
        return true;
    };
    const StoreReader::Row bucket = [&](const QVariantList &values) {
        ++rows;
        m_lastTs = values.at(0).toLongLong();
        if (!system)
            m_lastInterface = values.at(1).toString();
        if (csv) {
            m_rollup.appendCsv(&out, m_identity, values);
        } else {
            if (!m_firstRow)
                out += ',';
            out += QJsonDocument(m_rollup.object(values)).toJson(QJsonDocument::Compact);
        }
        m_firstRow = false;
        return true;
    };
    bool read = false;
    if (m_request.tier != Tier::Raw) {
        read = m_reader->rollupPage(m_request.tier, !system, m_request.id, m_lastTs,
            m_lastInterface, m_request.toMs, kPageRows, bucket, error);
    } else if (system) {
        read = m_reader->systemPage(m_request.id, m_lastTs, m_request.toMs, kPageRows, row, error);
    } else {
        read = m_reader->networkPage(
            m_request.id, m_lastTs, m_lastInterface, m_request.toMs, kPageRows, row, error);
    }
    if (!read)
        return false;
    if (rows < kPageRows) {
        if (!csv)
            out += "]\n";
        m_done = true;
    }
    writeChunk(out);
    if (m_done)
        finish();
    return true;
}

void MetricsExport::writeChunk(const QByteArray &data)
{
    if (data.isEmpty() || !m_socket)
        return;
    m_responder.writeBody(QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n");
}

void MetricsExport::finish()
{
    if (m_socket)
        m_responder.writeBody(QByteArrayLiteral("0\r\n\r\n"));
}

} // namespace dmr::console
