// SPDX-License-Identifier: MIT
#include "gui/StoreWorker.h"

#include "service/ThreadPriority.h"
#include "store/StoreReader.h"

#include <QElapsedTimer>
#include <algorithm>

namespace dmr::console {

namespace {

std::atomic<int> g_connections {0};

} // namespace

StoreWorker::StoreWorker(QString databasePath, QObject *parent)
    : QObject(parent)
    , m_path(std::move(databasePath))
{
    qRegisterMetaType<QList<DeviceOverview>>();
    qRegisterMetaType<HistoryRequest>();
    qRegisterMetaType<HistoryResult>();
    qRegisterMetaType<HardwareResult>();
    qRegisterMetaType<DeviceOverview>();
}

StoreWorker::~StoreWorker() = default;

void StoreWorker::open()
{
    // A background reader of the window: the GUI thread comes first.
    lowerCurrentThreadPriority();
    ensureOpen();
}

bool StoreWorker::ensureOpen()
{
    if (m_reader)
        return true;
    auto reader = std::make_unique<StoreReader>(
        m_path, QStringLiteral("gui-reader-%1").arg(g_connections.fetch_add(1)));
    QString error;
    if (!reader->open(&error)) {
        // Said once per distinct error: the fleet refresh retries every second.
        if (error != m_lastError)
            emit failed(error);
        m_lastError = error;
        return false;
    }
    m_lastError.clear();
    m_reader = std::move(reader);
    return true;
}

void StoreWorker::refreshFleet()
{
    if (!ensureOpen())
        return;
    QElapsedTimer timer;
    timer.start();
    QString error;
    const std::optional<QList<DeviceOverview>> rows = m_reader->fleet(&error);
    if (!rows) {
        emit failed(error);
        return;
    }
    emit fleetLoaded(*rows, timer.elapsed());
}

qint64 StoreWorker::deviceKey(const QString &uuid)
{
    const auto it = m_keys.constFind(uuid);
    if (it != m_keys.constEnd())
        return *it;
    QString error;
    const std::optional<DeviceOverview> device = m_reader->device(uuid, &error);
    if (!device)
        return 0;
    m_keys.insert(uuid, device->id);
    return device->id;
}

void StoreWorker::loadHistory(const HistoryRequest &request)
{
    if (request.generation < m_latest.load() || !ensureOpen())
        return;
    QElapsedTimer timer;
    timer.start();
    HistoryResult result;
    result.generation = request.generation;
    result.uuid = request.uuid;
    result.fromMs = request.fromMs;
    result.toMs = request.toMs;
    const qint64 key = deviceKey(request.uuid);
    QString error;
    if (key != 0) {
        const auto system = m_reader->systemChart(
            key, request.fromMs, request.toMs, request.columns, &error, &result.resolution);
        if (!system) {
            emit failed(error);
            return;
        }
        result.series = *system;
    }
    result.elapsedMs = timer.elapsed();
    emit historyLoaded(result);
    if (key == 0 || request.generation < m_latest.load())
        return;

    const auto network = m_reader->networkChart(
        key, request.fromMs, request.toMs, request.columns, &error, &result.resolution);
    if (!network) {
        emit failed(error);
        return;
    }
    result.network = true;
    result.series = *network;
    result.elapsedMs = timer.elapsed();
    emit historyLoaded(result);
    if (request.generation < m_latest.load())
        return;

    // A board's hardware, about a row a pixel column: enough for the
    // temperature lines and the cores' heat strip.
    const std::optional<HardwareHistory> hardware = m_reader->hardwareHistory(
        request.uuid, request.fromMs, request.toMs, std::max(2, request.columns), &error, true);
    if (!hardware) {
        emit failed(error);
        return;
    }
    HardwareResult rows;
    rows.generation = request.generation;
    rows.uuid = request.uuid;
    rows.fromMs = request.fromMs;
    rows.toMs = request.toMs;
    rows.rows = hardware->rows;
    emit hardwareLoaded(rows);
}

void StoreWorker::loadDevice(const QString &uuid)
{
    if (!ensureOpen())
        return;
    QString error;
    const std::optional<DeviceOverview> device = m_reader->device(uuid, &error);
    if (device)
        emit deviceLoaded(*device);
    else if (!error.isEmpty())
        emit failed(error);
}

} // namespace dmr::console
