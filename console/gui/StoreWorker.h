// SPDX-License-Identifier: MIT
#pragma once

#include "gui/HistoryRequest.h"
#include "store/DeviceOverview.h"

#include <QHash>
#include <QObject>
#include <atomic>
#include <memory>

namespace dmr::console {

class StoreReader;

// The window's reads from the store, on a thread of their own so that the GUI
// thread never waits on SQL: move it to a QThread, connect QThread::started
// to open() and QThread::finished to deleteLater(), then call its slots by
// queued signals. Answers come back as signals.
class StoreWorker : public QObject
{
    Q_OBJECT
public:
    explicit StoreWorker(QString databasePath, QObject *parent = nullptr);
    ~StoreWorker() override;

    // Thread-safe: requests older than this generation are skipped unread.
    void supersede(quint64 generation) { m_latest.store(generation); }

public slots:
    void open();
    void refreshFleet();
    // Emits historyLoaded twice, the system series first, then the interface
    // rates; then hardwareLoaded.
    void loadHistory(const HistoryRequest &request);
    // The device row and its newest interfaces.
    void loadDevice(const QString &uuid);

signals:
    void fleetLoaded(const QList<DeviceOverview> &rows, qint64 elapsedMs);
    void historyLoaded(const HistoryResult &result);
    void hardwareLoaded(const HardwareResult &result);
    void deviceLoaded(const DeviceOverview &device);
    void failed(const QString &error);

private:
    bool ensureOpen();
    qint64 deviceKey(const QString &uuid);

    QString m_path;
    std::unique_ptr<StoreReader> m_reader;
    QHash<QString, qint64> m_keys; // uuid -> devices.id
    std::atomic<quint64> m_latest {0};
    QString m_lastError;
};

} // namespace dmr::console
