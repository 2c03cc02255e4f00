// SPDX-License-Identifier: MIT
#pragma once

#include "gui/ExportRequest.h"

#include <QObject>
#include <atomic>

namespace dmr::console {

// Writes stored rows to CSV or JSON, streaming: rows go from the query to the
// file through a small buffer, so a million rows never sit in memory. Runs on
// the thread it is called on (the export dialog moves it to a worker thread).
// Files appear only when complete (QSaveFile); a cancelled or failed export
// leaves nothing behind.
class Exporter : public QObject
{
    Q_OBJECT
public:
    explicit Exporter(QString databasePath, QObject *parent = nullptr);

    // Thread-safe; the running export stops at its next row.
    void cancel() { m_cancelled.store(true); }
    // The files a request writes.
    static QStringList outputFiles(const ExportRequest &request);

public slots:
    void run(const ExportRequest &request);

signals:
    void progress(qint64 rowsDone, qint64 rowsTotal);
    void finished(bool ok, const QString &message, qint64 rows);

private:
    QString m_path;
    std::atomic<bool> m_cancelled {false};
};

} // namespace dmr::console
