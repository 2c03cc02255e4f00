// SPDX-License-Identifier: MIT
#pragma once

#include "http/ExportCsv.h"
#include "http/HardwareCsv.h"
#include "http/RollupExport.h"
#include "store/Tier.h"

#include <QHttpServerResponder>
#include <QObject>
#include <QPointer>
#include <QString>
#include <memory>

class QTcpSocket;

namespace dmr::console {

class StoreReader;

// One streamed download of GET /api/devices/{uuid}/export.csv or .json: rows
// are read a page at a time (StoreReader's keyset pages, so each page is an
// index seek) and written as HTTP chunks only while the socket's send buffer
// is low, so a year of samples never sits in memory. Deletes itself when done
// or when the client goes away; `reader` must outlive it.
class MetricsExport : public QObject
{
    Q_OBJECT
public:
    enum class Format { Csv, Json };
    enum class Table { System, Network, Hardware };

    struct Request
    {
        qint64 id = 0; // devices.id
        QString uuid;
        QString deviceId;
        QString hostname;
        qint64 fromMs = 0;
        qint64 toMs = 0;
        Format format = Format::Csv;
        Table table = Table::System;
        // Raw rows, or a rollup's buckets: per metric its min, max and avg
        // (system), per interface the rates' min and max and the bytes
        // counted (network), with the samples and their first and last time.
        Tier tier = Tier::Raw;
    };

    MetricsExport(Request request, StoreReader *reader, QHttpServerResponder &&responder,
        QObject *parent = nullptr);

    // Sends the headers and the first pages; the rest follows as the client reads.
    void start();

    static constexpr int kPageRows = 2000;

private:
    void pump();
    bool writePage(QString *error);
    // Hardware rows: raw only, decoded, as ApiJson::hardware or HardwareCsv.
    bool writeHardwarePage(QString *error);
    void writeChunk(const QByteArray &data);
    void finish();

    Request m_request;
    StoreReader *m_reader;
    QHttpServerResponder m_responder;
    QPointer<QTcpSocket> m_socket;
    qint64 m_lastTs;
    QString m_lastInterface;
    ExportCsv m_csv;
    RollupExport m_rollup;
    HardwareCsv m_hardwareCsv {0}; // its core columns are set at start()
    QByteArray m_identity; // the device's columns on every CSV row
    bool m_firstRow = true;
    bool m_done = false;
};

} // namespace dmr::console
