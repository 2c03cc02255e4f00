// SPDX-License-Identifier: MIT
#include "service/ConsoleService.h"

#include "alerts/AlertService.h"
#include "alerts/AlertsLogging.h"
#include "alerts/Notifier.h"
#include "config/Logging.h"
#include "http/HttpApi.h"
#include "http/HttpLogging.h"
#include "ingest/Acknowledger.h"
#include "ingest/Ingest.h"
#include "ingest/IngestLogging.h"
#include "ingest/KeyStore.h"
#include "ingest/ReportQueue.h"
#include "ingest/UdpReceiver.h"
#include "service/AccountHost.h"
#include "service/AccountReplyRelay.h"
#include "service/AlertReplyRelay.h"
#include "service/ThreadPriority.h"
#include "store/Database.h"
#include "store/StoreLogging.h"
#include "store/StoreWriter.h"

#include <QPointer>
#include <QThread>
#include <QTimer>

namespace dmr::console {

ConsoleService::ConsoleService(ConsoleConfig config, DeviceRegistry::Clock clock, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_clock(std::move(clock))
{
    qRegisterMetaType<QList<DeviceSnapshot>>();
    qRegisterMetaType<QList<AcceptedReport>>();
    qRegisterMetaType<DeviceChangeResult>();
    qRegisterMetaType<AccountReply>();
    qRegisterMetaType<QList<DeviceAdoption>>();
}

ConsoleService::~ConsoleService()
{
    stop();
    if (m_accountsThread) {
        m_accountsThread->quit();
        m_accountsThread->wait();
    }
}

bool ConsoleService::start(QString *error)
{
    if (m_running)
        return true;

    // Read the known devices before any datagram can arrive, so that a
    // returning device keeps its uuid and its sequence bookkeeping.
    QList<DeviceSnapshot> devices;
    std::vector<std::pair<std::string, dmr::HardwareSample>> hardwareFacts;
    {
        Database database(QStringLiteral("console-startup"));
        std::optional<QList<DeviceSnapshot>> loaded;
        if (!database.open(m_config.database, error) || !database.migrate(error)
            || !(loaded = database.loadDevices(error)))
            return false;
        devices = *loaded;
        // Without them, temperatures and file systems would wait for each
        // agent's next full report (up to 60 reports) after a restart.
        QString factsError;
        if (auto facts = database.loadHardwareFacts(&factsError))
            hardwareFacts = std::move(*facts);
        else
            qCWarning(lcStore, "%s", qPrintable(factsError));
    }

    auto keys = std::make_shared<KeyStore>();
    if (!keys->load(m_config.keyFile, error))
        return false;
    if (keys->size() > 0 || m_config.security != dmr::Security::None)
        qCInfo(lcIngest, "security: %s required, %d device keys from %s",
            dmr::securityName(m_config.security), keys->size(), qPrintable(m_config.keyFile));
    IngestPolicy policy;
    policy.required = m_config.security;
    policy.keys = std::move(keys);
    policy.maxClockSkewMs = qint64(m_config.maxClockSkewSeconds) * 1000;

    m_queue = std::make_unique<ReportQueue>(std::size_t(m_config.queueCapacity));

    m_storeThread = new QThread(this);
    m_storeThread->setObjectName(QStringLiteral("store"));
    StoreWriter::Options writerOptions;
    writerOptions.databasePath = m_config.database;
    writerOptions.flushIntervalMs = m_config.flushIntervalMs;
    constexpr qint64 kDayMs = 86400000;
    writerOptions.keepRawMs = qint64(m_config.keepRawDays) * kDayMs;
    writerOptions.keepMinuteMs = qint64(m_config.keepMinuteDays) * kDayMs;
    writerOptions.keepHourMs = qint64(m_config.keepHourDays) * kDayMs;
    writerOptions.maxDbBytes = m_config.maxDbBytes;
    writerOptions.compact = m_config.storeMaintenance; // retention and budget come with it
    if (!m_config.storeMaintenance)
        qCWarning(lcStore, "store maintenance is off: history stays rows, nothing is deleted");
    writerOptions.forgetAfterMs = qint64(m_config.forgetAfterDays) * kDayMs;
    m_writer = new StoreWriter(writerOptions, m_queue.get(), &m_counters);
    m_writer->moveToThread(m_storeThread);
    connect(m_writer, &StoreWriter::healthChanged, this, &ConsoleService::storeHealthChanged);
    connect(m_writer, &StoreWriter::budgetDeleted, this, &ConsoleService::storeBudgetDeleted);
    connect(
        m_writer, &StoreWriter::compactionProgress, this, &ConsoleService::storeCompactionProgress);
    m_storeThread->start();
    if (m_lowered)
        QMetaObject::invokeMethod(m_writer, &lowerCurrentThreadPriority);

    m_ingestThread = new QThread(this);
    m_ingestThread->setObjectName(QStringLiteral("ingest"));
    m_receiver = new UdpReceiver(
        {m_config.udpBind, m_config.udpPort, m_config.receiveBufferBytes, m_config.reusePort});
    m_ingest = new Ingest(m_queue.get(), &m_counters, m_clock, policy);
    m_ingest->restore(devices);
    m_ingest->restoreFacts(hardwareFacts);
    m_acknowledger = new Acknowledger(m_config.ackIntervalSeconds * 1000, m_clock);
    m_receiver->moveToThread(m_ingestThread);
    m_ingest->moveToThread(m_ingestThread);
    m_acknowledger->moveToThread(m_ingestThread);
    // Same thread: a direct call, no copy through the event queue.
    connect(m_receiver, &UdpReceiver::datagramsReceived, m_ingest, &Ingest::ingest,
        Qt::DirectConnection);
    if (m_config.ackIntervalSeconds > 0) {
        connect(m_ingest, &Ingest::returnPathsSeen, m_acknowledger, &Acknowledger::noteReturnPaths,
            Qt::DirectConnection);
        connect(m_writer, &StoreWriter::runsStored, m_acknowledger, &Acknowledger::noteStored);
        connect(m_acknowledger, &Acknowledger::acknowledgementsReady, m_receiver,
            &UdpReceiver::send, Qt::DirectConnection);
        QMetaObject::invokeMethod(m_acknowledger, &Acknowledger::start);
    }
    connect(m_ingest, &Ingest::devicesUpdated, this, &ConsoleService::devicesUpdated);
    // A deleted or merged device is forgotten by ingest only after the store
    // let it go: until then its reports are taken, and the writer drops them
    // (or writes them to the device it was merged into).
    connect(m_writer, &StoreWriter::deviceChanged, m_ingest,
        [ingest = m_ingest](const DeviceChangeResult &result) {
            if (!result.done())
                return;
            if (result.change.kind == DeviceChange::Kind::Delete)
                ingest->forgetDevice(result.deviceId, result.change.uuid);
            else if (result.change.kind == DeviceChange::Kind::Merge)
                ingest->mergeDevices(result.deviceId, result.fromDeviceId, result.change.from);
        });
    // Devices another console on the same database registered first.
    connect(m_writer, &StoreWriter::devicesAdopted, m_ingest, &Ingest::adoptDevices);
    connect(m_writer, &StoreWriter::deviceChanged, this, [this](const DeviceChangeResult &result) {
        if (result.done())
            emit deviceChanged(result);
    });
    m_ingestThread->start();
    if (m_lowered)
        QMetaObject::invokeMethod(m_ingest, &lowerCurrentThreadPriority);

    bool ok = false;
    QMetaObject::invokeMethod(
        m_writer, [&] { ok = m_writer->open(error); }, Qt::BlockingQueuedConnection);
    // Before the first datagram, so that the API's cache misses no update.
    if (ok) {
        startAlerts();
        ok = startHttp(error);
    }
    if (ok && m_config.receive)
        QMetaObject::invokeMethod(
            m_receiver, [&] { ok = m_receiver->open(error); }, Qt::BlockingQueuedConnection);
    else if (ok)
        qCInfo(lcIngest,
            "not receiving reports (--receive off): showing what the consoles "
            "writing to the database store");
    m_running = true;
    if (!ok) {
        stop();
        return false;
    }
    qCInfo(lcIngest, "%lld known devices restored", qlonglong(devices.size()));

    m_rateClock.start();
    if (m_config.statsIntervalSeconds > 0) {
        m_statsTimer = new QTimer(this);
        connect(m_statsTimer, &QTimer::timeout, this,
            [this] { qCInfo(lcStats, "%s", qPrintable(statsLine())); });
        m_statsTimer->start(m_config.statsIntervalSeconds * 1000);
    }
    return true;
}

void ConsoleService::stop()
{
    if (!m_running)
        return;
    m_running = false;
    delete m_statsTimer;
    m_statsTimer = nullptr;
    // First, so that no request is waiting on ingest when it stops.
    stopHttp();

    // Receiver and ingest first: once the socket is closed on its own
    // thread, every datagram read so far has gone through ingest.
    QMetaObject::invokeMethod(
        m_receiver,
        [this] {
            m_receiver->stop();
            m_acknowledger->stop();
        },
        Qt::BlockingQueuedConnection);
    m_ingestThread->quit();
    m_ingestThread->wait();
    delete m_receiver;
    delete m_ingest;
    delete m_acknowledger;
    m_receiver = nullptr;
    m_ingest = nullptr;
    m_acknowledger = nullptr;
    stopAlerts();

    bool flushed = true;
    QMetaObject::invokeMethod(
        m_writer,
        [this, &flushed] {
            flushed = m_writer->flushAll();
            m_writer->stop();
        },
        Qt::BlockingQueuedConnection);
    m_storeThread->quit();
    m_storeThread->wait();
    delete m_writer;
    m_writer = nullptr;
    if (!flushed)
        qCCritical(
            lcStore, "%zu accepted reports could not be written before exit", m_queue->size());
    qCInfo(lcStats, "stopped: %s", qPrintable(m_counters.summary()));
    delete m_ingestThread;
    delete m_storeThread;
    m_ingestThread = nullptr;
    m_storeThread = nullptr;
}

void ConsoleService::startAlerts()
{
    AlertService::Options options;
    options.databasePath = m_config.database;
    options.offlineAfterSeconds = m_config.offlineAfterSeconds;
    m_alertsThread = new QThread(this);
    m_alertsThread->setObjectName(QStringLiteral("alerts"));
    m_alerts = new AlertService(options, m_clock);
    m_alerts->moveToThread(m_alertsThread);
    m_alertsThread->start();
    bool ok = false;
    QString error;
    QMetaObject::invokeMethod(
        m_alerts,
        [&] {
            ok = m_alerts->start(&error);
            if (!ok)
                return;
            Notifier::Options notify;
            notify.groupWaitMs = qint64(m_config.alertGroupWaitSeconds) * 1000;
            notify.repeatMs = qint64(m_config.alertRepeatMinutes) * 60000;
            notify.heartbeatUrl = m_config.heartbeatUrl;
            notify.heartbeatMs = qint64(m_config.heartbeatIntervalSeconds) * 1000;
            m_alerts->notifier()->setOptions(notify);
        },
        Qt::BlockingQueuedConnection);
    if (!ok) {
        // Storing reports matters more than alerting: the console runs on,
        // and says loudly why nothing alerts.
        qCCritical(lcAlerts, "no alerting: %s", qPrintable(error));
        stopAlerts();
        return;
    }
    // Batches wait for the alerting thread in a bounded queue: beyond it
    // (a flood faster than alerting evaluates) batches are skipped and
    // counted, rather than held in memory without end. Alerting then sees
    // each device's next report; storing is not affected.
    connect(
        m_ingest, &Ingest::reportsAccepted, m_alerts,
        [this, alerts = m_alerts](const QList<AcceptedReport> &reports) {
            if (m_alertBatchesQueued.load() >= kMaxAlertBatchesQueued) {
                const quint64 skipped = ++m_alertBatchesSkipped;
                if (skipped == 1 || skipped % 1000 == 0)
                    qCWarning(lcAlerts,
                        "alerting is behind: %llu batches of reports not evaluated so far",
                        static_cast<unsigned long long>(skipped));
                return;
            }
            ++m_alertBatchesQueued;
            QMetaObject::invokeMethod(alerts, [this, alerts, reports] {
                --m_alertBatchesQueued;
                alerts->reportsAccepted(reports);
            });
        },
        Qt::DirectConnection);
    connect(m_writer, &StoreWriter::deviceChanged, m_alerts, &AlertService::deviceChanged);
}

void ConsoleService::stopAlerts()
{
    if (!m_alerts)
        return;
    QMetaObject::invokeMethod(
        m_alerts, [this] { m_alerts->stop(); }, Qt::BlockingQueuedConnection);
    m_alertsThread->quit();
    m_alertsThread->wait();
    delete m_alerts;
    delete m_alertsThread;
    m_alerts = nullptr;
    m_alertsThread = nullptr;
}

void ConsoleService::alertRequest(
    const AlertRequest &request, QObject *context, std::function<void(const AlertReply &)> done)
{
    if (!m_alerts) {
        done({503, QByteArrayLiteral("{\"error\":\"alerting is not running\"}")});
        return;
    }
    // Connected here, on the asker's side: when `context` goes, so does the
    // connection, and a reply already on its way is dropped with it.
    auto *relay = new AlertReplyRelay;
    connect(relay, &AlertReplyRelay::answered, context, std::move(done), Qt::QueuedConnection);
    QMetaObject::invokeMethod(m_alerts, [alerts = m_alerts, request, relay] {
        emit relay->answered(alerts->handle(request));
        relay->deleteLater();
    });
}

QString ConsoleService::localUser()
{
    // USER on Linux and macOS, LOGNAME where only that is set (some
    // service managers), USERNAME on Windows.
    for (const char *variable : {"USER", "LOGNAME", "USERNAME"}) {
        const QString name = qEnvironmentVariable(variable).trimmed();
        if (!name.isEmpty())
            return QStringLiteral("desktop:") + name;
    }
    return QStringLiteral("desktop");
}

void ConsoleService::accountRequest(
    AccountRequest request, QObject *context, std::function<void(const AccountReply &)> done)
{
    request.principal = Principal();
    request.principal.kind = Principal::Kind::Local;
    request.principal.name = localUser();
    request.principal.role = Role::Admin;
    request.address = QStringLiteral("local");
    startAccounts();
    accountCall(request, context, std::move(done));
}

void ConsoleService::startAccounts()
{
    if (m_accounts)
        return;
    m_accountsThread = new QThread(this);
    m_accountsThread->setObjectName(QStringLiteral("accounts"));
    m_accounts = new AccountHost(m_config.database);
    m_accounts->moveToThread(m_accountsThread);
    // Deleted on its thread, with its database connection.
    connect(m_accountsThread, &QThread::finished, m_accounts, &QObject::deleteLater);
    m_accountsThread->start();
}

void ConsoleService::accountCall(
    const AccountRequest &request, QObject *context, std::function<void(const AccountReply &)> done)
{
    // Made on this object's thread (startHttp, the window's first request),
    // never here: the REST API calls from its own.
    if (!m_accounts) {
        QMetaObject::invokeMethod(
            context,
            [done] {
                done({503, QByteArrayLiteral("{\"error\":\"accounts are not running\"}")});
            },
            Qt::QueuedConnection);
        return;
    }
    auto *relay = new AccountReplyRelay;
    connect(relay, &AccountReplyRelay::answered, context, std::move(done), Qt::QueuedConnection);
    QMetaObject::invokeMethod(m_accounts, [host = m_accounts, request, relay] {
        emit relay->answered(host->handle(request));
        relay->deleteLater();
    });
}

bool ConsoleService::startHttp(QString *startError)
{
    HttpApi::Options options;
    options.bind = m_config.httpBind;
    options.port = m_config.httpPort;
    options.databasePath = m_config.database;
    options.apiToken = m_config.apiToken;
    options.scrapeToken = m_config.scrapeToken;
    options.authAlways = m_config.authAlways;
    options.sessionMs = qint64(m_config.sessionHours) * 3600 * 1000;
    options.tlsCert = m_config.tlsCert;
    options.tlsKey = m_config.tlsKey;
    options.httpsPort = m_config.httpsPort;
    options.offlineAfterSeconds = m_config.offlineAfterSeconds;
    m_httpThread = new QThread(this);
    m_httpThread->setObjectName(QStringLiteral("http"));
    m_http = new HttpApi(
        options, &m_counters,
        [this](const AcceptedReport &report, DeviceRegistry::Source source) {
            return submitReport(report, source);
        },
        [this] { return queuedReports(); },
        [this](const DeviceChange &change, QObject *context,
            std::function<void(const DeviceChangeResult &)> done) {
            changeDevice(change, context, std::move(done));
        });
    m_http->setAlertCall([this](const AlertRequest &request, QObject *context,
                             std::function<void(const AlertReply &)> done) {
        alertRequest(request, context, std::move(done));
    });
    startAccounts();
    m_http->setAccountCall([this](const AccountRequest &request, QObject *context,
                               std::function<void(const AccountReply &)> done) {
        accountCall(request, context, std::move(done));
    });
    m_http->moveToThread(m_httpThread);
    if (m_alerts) {
        connect(m_alerts, &AlertService::alertsChanged, m_http, &HttpApi::pushAlerts);
        connect(m_alerts, &AlertService::labelsChanged, m_http, &HttpApi::setLabels);
    }
    connect(m_ingest, &Ingest::devicesUpdated, m_http, &HttpApi::updateDevices);
    connect(m_ingest, &Ingest::reportsAccepted, m_http, &HttpApi::updateReports);
    connect(m_writer, &StoreWriter::healthChanged, m_http, &HttpApi::setStoreHealth);
    connect(m_writer, &StoreWriter::budgetDeleted, m_http, &HttpApi::noteBudgetDeletion);
    connect(m_writer, &StoreWriter::deviceChanged, m_http, &HttpApi::applyDeviceChange);
    m_httpThread->start();
    if (m_lowered)
        QMetaObject::invokeMethod(m_http, &lowerCurrentThreadPriority);
    bool listening = false;
    bool insecure = false;
    QString error;
    QMetaObject::invokeMethod(
        m_http, [&] { listening = m_http->start(&error, &insecure); },
        Qt::BlockingQueuedConnection);
    if (!listening) {
        stopHttp();
        // Exposed without credentials, or HTTPS asked for and impossible:
        // not a console to run at all.
        if (insecure) {
            *startError = error;
            return false;
        }
        // Receiving and storing reports matters more than the web page: the
        // console runs on, and says loudly why there is no API.
        qCCritical(lcHttp, "no REST API or web page: %s", qPrintable(error));
    }
    return true;
}

void ConsoleService::stopHttp()
{
    if (!m_http)
        return;
    QMetaObject::invokeMethod(
        m_http, [this] { m_http->stop(); }, Qt::BlockingQueuedConnection);
    m_httpThread->quit();
    m_httpThread->wait();
    delete m_http;
    delete m_httpThread;
    m_http = nullptr;
    m_httpThread = nullptr;
}

quint16 ConsoleService::httpPort() const
{
    return m_http ? m_http->port() : 0;
}

quint16 ConsoleService::httpRedirectPort() const
{
    return m_http ? m_http->redirectPort() : 0;
}

DeviceSnapshot ConsoleService::submitReport(
    const AcceptedReport &report, DeviceRegistry::Source source)
{
    DeviceSnapshot device;
    QMetaObject::invokeMethod(
        m_ingest, [&] { device = m_ingest->submit(report, source); }, Qt::BlockingQueuedConnection);
    return device;
}

void ConsoleService::changeDevice(
    DeviceChange change, QObject *context, std::function<void(const DeviceChangeResult &)> done)
{
    change.id = ++m_nextChange;
    if (!m_writer) {
        DeviceChangeResult result;
        result.change = change;
        result.error = QStringLiteral("the console is not running");
        QMetaObject::invokeMethod(
            context, [done, result] { done(result); }, Qt::QueuedConnection);
        return;
    }
    // The answer is the writer's signal with this change's id, delivered on
    // the context's thread; Qt drops the connection with the context.
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_writer, &StoreWriter::deviceChanged, context,
        [id = change.id, done = std::move(done), connection](const DeviceChangeResult &result) {
            if (result.change.id != id)
                return;
            QObject::disconnect(*connection);
            done(result);
        });
    StoreWriter *writer = m_writer;
    QMetaObject::invokeMethod(writer, [writer, change] { writer->changeDevice(change); });
}

quint16 ConsoleService::udpPort() const
{
    return m_receiver ? m_receiver->boundPort() : 0;
}

bool ConsoleService::rebindUdp(const QHostAddress &bind, quint16 port, QString *error)
{
    if (!m_running) {
        *error = QStringLiteral("the console is not running");
        return false;
    }
    UdpReceiver *old = m_receiver;
    const quint16 oldPort = old->boundPort();
    const auto open = [this](const QHostAddress &address, quint16 number, QString *why) {
        auto *receiver
            = new UdpReceiver({address, number, m_config.receiveBufferBytes, m_config.reusePort});
        receiver->moveToThread(m_ingestThread);
        bool opened = false;
        QMetaObject::invokeMethod(
            receiver, [&] { opened = receiver->open(why); }, Qt::BlockingQueuedConnection);
        if (!opened) {
            receiver->deleteLater();
            return static_cast<UdpReceiver *>(nullptr);
        }
        connect(receiver, &UdpReceiver::datagramsReceived, m_ingest, &Ingest::ingest,
            Qt::DirectConnection);
        if (m_config.ackIntervalSeconds > 0)
            connect(m_acknowledger, &Acknowledger::acknowledgementsReady, receiver,
                &UdpReceiver::send, Qt::DirectConnection);
        return receiver;
    };
    // The same port on another address: the old socket must let go first,
    // and comes back if the new one cannot bind.
    const bool samePort = port != 0 && port == oldPort;
    if (samePort)
        QMetaObject::invokeMethod(
            old, [old] { old->stop(); }, Qt::BlockingQueuedConnection);
    UdpReceiver *replacement = open(bind, port, error);
    if (!replacement) {
        if (samePort) {
            QString ignored;
            if (UdpReceiver *restored = open(m_config.udpBind, oldPort, &ignored)) {
                old->deleteLater();
                m_receiver = restored;
            }
        }
        return false;
    }
    if (!samePort)
        QMetaObject::invokeMethod(
            old, [old] { old->stop(); }, Qt::BlockingQueuedConnection);
    old->deleteLater();
    m_receiver = replacement;
    m_config.udpBind = bind;
    m_config.udpPort = replacement->boundPort();
    qCInfo(lcUdp, "now receiving reports on %s port %u", qPrintable(bind.toString()),
        unsigned(m_config.udpPort));
    return true;
}

std::size_t ConsoleService::queuedReports() const
{
    return m_queue ? m_queue->size() : 0;
}

QString ConsoleService::statsLine()
{
    const quint64 received = m_counters.received.load();
    const double seconds = m_rateClock.isValid() ? m_rateClock.restart() / 1000.0 : 0;
    const double rate = seconds > 0 ? double(received - m_lastReceived) / seconds : 0;
    m_lastReceived = received;
    return QStringLiteral("%1 queued=%2 rate=%3/s")
        .arg(m_counters.summary())
        .arg(queuedReports())
        .arg(rate, 0, 'f', 1);
}

} // namespace dmr::console
