// SPDX-License-Identifier: MIT
// gui-bench --demo-data --db PATH [--devices N] [--hours H] [--interval S] [--offline K]
//     Writes a fleet's history ending now, with realistic daily shapes.
// gui-bench --table [--devices N] [--rate R] [--duration S] [--groups G]
//     The main window offscreen while metrics-loadgen reports N devices at R
//     reports/s over real UDP: GUI-thread stalls, table refreshes per second.
//     With --groups, each device sends a label rack=rack-NN (G values, as
//     agents send labels) and the window groups the devices by it.
// gui-bench --chart --db PATH [--runs N]
//     A device view of the first device: range pick to painted chart, and stalls.
// gui-bench --export --db PATH --out FILE.csv
//     Every row of every device to CSV on a worker thread: time, GUI stalls, peak memory.
#include "gui/DeviceGroupProxyModel.h"
#include "gui/DeviceTableModel.h"
#include "gui/DeviceView.h"
#include "gui/Exporter.h"
#include "gui/MainWindow.h"
#include "gui/MetricChart.h"
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "service/ConsoleService.h"
#include "store/StoreReader.h"
#include "store/StoreWriter.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCryptographicHash>
#include <QDateTime>
#include <QElapsedTimer>
#include <QProcess>
#include <QTableView>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <sys/resource.h>

using namespace dmr::console;

namespace {

// Measures how late a 5 ms timer fires on the GUI thread: the longest time
// the event loop was busy with something else.
class StallWatch : public QObject
{
public:
    StallWatch()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            if (m_last > 0) {
                const double stall = double(now - m_last) / 1e6 - 5.0;
                if (stall > m_max)
                    m_maxAt = double(now) / 1e9;
                m_max = std::max(m_max, stall);
                m_stalls.push_back(stall);
            }
            m_last = now;
        });
    }
    void start()
    {
        m_max = 0;
        m_maxAt = 0;
        m_last = 0;
        m_stalls.clear();
        m_clock.start();
        m_timer.start(5);
    }
    double max() const { return m_max; }
    // Seconds after start() at which the longest stall ended.
    double maxAt() const { return m_maxAt; }
    double percentile(double p)
    {
        if (m_stalls.empty())
            return 0;
        std::sort(m_stalls.begin(), m_stalls.end());
        return m_stalls[std::size_t(p * double(m_stalls.size() - 1))];
    }
    int over(double ms) const
    {
        return int(
            std::count_if(m_stalls.begin(), m_stalls.end(), [ms](double s) { return s > ms; }));
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    double m_max = 0;
    double m_maxAt = 0;
    std::vector<double> m_stalls;
};

QString hostname(int n, int total)
{
    static const char *const names[]
        = {"pi-kitchen", "nas", "build-server", "edge-gw-01", "edge-gw-02", "laptop-anna",
            "camera-porch", "db-primary", "db-replica", "printer-3d", "router", "homeassistant"};
    if (total <= int(std::size(names)))
        return QString::fromLatin1(names[n]);
    return QStringLiteral("node-%1").arg(n, 5, 10, QLatin1Char('0'));
}

int demoData(const QString &path, int devices, double hours, double interval, int offline)
{
    const qint64 end = QDateTime::currentMSecsSinceEpoch();
    const qint64 start = end - qint64(hours * 3600000);
    const qint64 step = qint64(interval * 1000);
    qint64 clock = start;
    DeviceRegistry registry([&clock] { return clock; });
    IngestCounters counters;
    ReportQueue queue(1000000);
    StoreWriter::Options options;
    options.databasePath = path;
    StoreWriter writer(options, &queue, &counters);
    QString error;
    if (!writer.open(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    std::mt19937 random(42);
    std::normal_distribution<double> noise(0, 1);
    struct Device
    {
        double phase, base, memory, disk;
        quint64 rx = 0, tx = 0, seq = 0;
    };
    std::vector<Device> fleet;
    for (int d = 0; d < devices; ++d)
        fleet.push_back({double(random() % 1000) / 100, 5 + double(random() % 40),
            0.2 + double(random() % 60) / 100, 0.1 + double(random() % 80) / 100});
    std::vector<AcceptedReport> batch;
    qint64 rows = 0;
    for (qint64 ts = start; ts <= end; ts += step) {
        clock = ts;
        for (int d = 0; d < devices; ++d) {
            if (d >= devices - offline && ts > end - 600000)
                continue; // these went quiet ten minutes ago
            Device &f = fleet[std::size_t(d)];
            const double day = std::sin(2 * M_PI * double(ts % 86400000) / 86400000.0 + f.phase);
            const double wave = std::sin(double(ts) / 600000.0 + f.phase);
            AcceptedReport a;
            dmr::Report &r = a.report;
            // machine-id-like: 32 hex digits, stable per device.
            r.deviceId = QCryptographicHash::hash(QByteArray::number(d), QCryptographicHash::Md5)
                             .toHex()
                             .toStdString();
            r.hostname = hostname(d, devices).toStdString();
            r.agentVersion = dmr::packVersion(0, 1, 0);
            r.intervalSeconds = std::max<quint32>(1, quint32(interval));
            r.runId = 1;
            r.sequence = ++f.seq;
            r.sampleTimeMs = ts;
            double cpu = f.base + 12 * day + 6 * wave + 2 * noise(random);
            if (random() % 500 == 0)
                cpu = 90 + noise(random);
            r.system.cpuPercent = std::round(std::clamp(cpu, 0.5, 100.0) * 100) / 100;
            r.system.memoryTotalKb = 4000000;
            r.system.memoryUsedKb = quint64(
                4000000 * std::clamp(f.memory + 0.05 * day + 0.01 * noise(random), 0.05, 0.98));
            r.system.diskTotalKb = 60000000;
            r.system.diskUsedKb
                = quint64(60000000 * std::min(0.99, f.disk + double(ts - start) / 1e12));
            r.system.diskAvailableKb = r.system.diskTotalKb - r.system.diskUsedKb;
            r.system.load1 = std::round(std::max(0.0, cpu / 25 + 0.3 * noise(random)) * 100) / 100;
            r.system.load5 = std::round(std::max(0.0, cpu / 25 + 0.1 * wave) * 100) / 100;
            r.system.load15 = std::round(std::max(0.0, f.base / 25 + 0.1 * day) * 100) / 100;
            r.system.uptimeSeconds = quint64((ts - start) / 1000) + 86400 * quint64(d + 1);
            const double rate
                = std::max(0.0, 40000 * (1.2 + day + 0.5 * wave) + 5000 * noise(random));
            f.rx += quint64(rate * interval);
            f.tx += quint64(rate * interval / 4);
            for (int i = 0; i < 2; ++i) {
                dmr::InterfaceSample s;
                s.name = i == 0 ? "eth0" : "wlan0";
                s.ipAddress
                    = QStringLiteral("192.168.%1.%2").arg(i + 1).arg(d % 250 + 2).toStdString();
                s.macAddress = QStringLiteral("dc:a6:32:%1:%2:%3")
                                   .arg(i, 2, 16, QLatin1Char('0'))
                                   .arg(d / 256 % 256, 2, 16, QLatin1Char('0'))
                                   .arg(d % 256, 2, 16, QLatin1Char('0'))
                                   .toStdString();
                s.rxBytes = i == 0 ? f.rx : f.rx / 9;
                s.txBytes = i == 0 ? f.tx : f.tx / 9;
                s.rxPackets = s.rxBytes / 900;
                s.txPackets = s.txBytes / 600;
                r.interfaces.push_back(s);
            }
            registry.observe(r, &a.device);
            batch.push_back(std::move(a));
        }
        if (batch.size() >= 50000 || ts + step > end) {
            rows += qint64(batch.size());
            queue.push(std::move(batch));
            batch.clear();
            if (!writer.flushAll()) {
                std::fprintf(stderr, "write failed\n");
                return 1;
            }
            std::fprintf(stderr, "\r%lld reports", qlonglong(rows));
        }
    }
    writer.stop();
    std::fprintf(stderr, "\n%lld reports from %d devices written to %s\n", qlonglong(rows), devices,
        qPrintable(path));
    return 0;
}

int tableBench(int devices, int rate, int duration, int groups)
{
    QTemporaryDir dir;
    ConsoleConfig config;
    config.database = dir.filePath(QStringLiteral("bench.db"));
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpPort = 0;
    config.statsIntervalSeconds = 0;
    ConsoleService service(config);
    service.setBackgroundThreadsLowered(true); // as the desktop console runs it
    QString error;
    if (!service.start(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    MainWindow window(&service);
    window.resize(1400, 900);
    window.show();
    StallWatch watch;
    QProcess loadgen;
    loadgen.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    loadgen.start(QStringLiteral(DMR_LOADGEN_PATH),
        {QStringLiteral("--devices"), QString::number(devices), QStringLiteral("--rate"),
            QString::number(rate), QStringLiteral("--duration"), QString::number(duration),
            QStringLiteral("--label-values"), QString::number(groups), QStringLiteral("--target"),
            QStringLiteral("127.0.0.1:%1").arg(service.udpPort())});
    // Sorted by CPU, the column that changes most: the proxy re-sorts on every refresh.
    const int sortColumn = qEnvironmentVariableIntValue("GUI_BENCH_SORT_COLUMN");
    window.deviceTable()->sortByColumn(
        sortColumn != 0 ? sortColumn : int(DeviceTableModel::Cpu), Qt::DescendingOrder);
    if (groups > 0)
        window.setGroupBy(QStringLiteral("rack"));
    QElapsedTimer elapsed;
    elapsed.start();
    const quint64 refreshesBefore = window.deviceModel()->refreshes();
    watch.start();
    QEventLoop loop;
    QObject::connect(&loadgen, &QProcess::finished, &loop, &QEventLoop::quit);
    loop.exec();
    const double seconds = elapsed.elapsed() / 1000.0;
    const quint64 refreshes = window.deviceModel()->refreshes() - refreshesBefore;
    std::printf("table: %d devices at %d reports/s for %.1f s: %d rows, %.2f refreshes/s, "
                "GUI stall max %.1f ms (at %.1f s), p99 %.1f ms, %d stalls over 50 ms, "
                "received %llu\n",
        devices, rate, seconds, window.deviceModel()->rowCount(), double(refreshes) / seconds,
        watch.max(), watch.maxAt(), watch.percentile(0.99), watch.over(50),
        qulonglong(service.counters().received.load()));
    if (groups > 0) {
        const DeviceGroupProxyModel *grouped = window.groupModel();
        std::printf("grouped by rack: %d groups, %llu regroupings, %.2f ms each on average\n",
            grouped->rowCount(), qulonglong(grouped->rebuilds()),
            grouped->rebuilds() ? double(grouped->rebuildNs()) / 1e6 / double(grouped->rebuilds())
                                : 0.0);
    }
    return 0;
}

int chartBench(const QString &path, int runs)
{
    StoreReader reader(path, QStringLiteral("bench"));
    QString error;
    std::optional<QList<DeviceOverview>> devices;
    if (!reader.open(&error) || !(devices = reader.devices(&error)) || devices->isEmpty()) {
        std::fprintf(stderr, "no devices in %s %s\n", qPrintable(path), qPrintable(error));
        return 1;
    }
    DeviceView view(devices->first().device.uuid, path, nullptr);
    view.resize(1400, 900);
    view.show();
    StallWatch watch;
    for (int run = 0; run < runs; ++run) {
        for (const DeviceView::Range range : {DeviceView::Range::Day, DeviceView::Range::Week}) {
            qint64 shown = -1;
            qint64 network = -1;
            QEventLoop loop;
            const auto a = QObject::connect(
                &view, &DeviceView::historyShown, &loop, [&](qint64 ms) { shown = ms; });
            const auto b
                = QObject::connect(&view, &DeviceView::networkShown, &loop, [&](qint64 ms) {
                      network = ms;
                      loop.quit();
                  });
            watch.start();
            view.setRange(range);
            QTimer::singleShot(30000, &loop, &QEventLoop::quit);
            loop.exec();
            // Let the network chart paint too before reading the stall.
            QElapsedTimer settle;
            settle.start();
            while (settle.elapsed() < 200)
                QCoreApplication::processEvents();
            QObject::disconnect(a);
            QObject::disconnect(b);
            std::printf("chart %s: system charts painted %lld ms after the pick, network %lld ms; "
                        "%d + %d points; GUI stall max %.1f ms\n",
                range == DeviceView::Range::Week ? "7 d" : "24 h", qlonglong(shown),
                qlonglong(network), view.percentChart()->pointCount(0),
                view.networkChart()->pointCount(0), watch.max());
        }
    }
    return 0;
}

int exportBench(const QString &path, const QString &out)
{
    QThread thread;
    auto *exporter = new Exporter(path);
    exporter->moveToThread(&thread);
    QObject::connect(&thread, &QThread::finished, exporter, &QObject::deleteLater);
    thread.start();
    ExportRequest request;
    request.fromMs = 0;
    request.toMs = std::numeric_limits<qint64>::max();
    request.systemMetrics = StoreReader::systemMetrics();
    request.network = true;
    request.path = out;
    StallWatch watch;
    QEventLoop loop;
    qint64 rows = 0;
    QString message;
    QObject::connect(
        exporter, &Exporter::finished, &loop, [&](bool, const QString &text, qint64 written) {
            rows = written;
            message = text;
            loop.quit();
        });
    QElapsedTimer elapsed;
    elapsed.start();
    watch.start();
    QMetaObject::invokeMethod(exporter, [exporter, request] { exporter->run(request); });
    loop.exec();
    const double seconds = elapsed.elapsed() / 1000.0;
    thread.quit();
    thread.wait();
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    std::printf(
        "export: %lld rows in %.1f s (%.0f rows/s), GUI stall max %.1f ms, peak RSS %ld MB; %s\n",
        qlonglong(rows), seconds, double(rows) / seconds, watch.max(), usage.ru_maxrss / 1024,
        qPrintable(message));
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption demo(
        QStringLiteral("demo-data"), QStringLiteral("Write demo history."));
    const QCommandLineOption table(QStringLiteral("table"), QStringLiteral("Table benchmark."));
    const QCommandLineOption chart(QStringLiteral("chart"), QStringLiteral("Chart benchmark."));
    const QCommandLineOption exportOption(
        QStringLiteral("export"), QStringLiteral("Export benchmark."));
    const QCommandLineOption out(
        QStringLiteral("out"), QStringLiteral("Export file."), QStringLiteral("path"));
    const QCommandLineOption db(
        QStringLiteral("db"), QStringLiteral("Database."), QStringLiteral("path"));
    const QCommandLineOption devices(QStringLiteral("devices"), QStringLiteral("Devices."),
        QStringLiteral("n"), QStringLiteral("10000"));
    const QCommandLineOption rate(QStringLiteral("rate"), QStringLiteral("Reports/s."),
        QStringLiteral("n"), QStringLiteral("10000"));
    const QCommandLineOption duration(QStringLiteral("duration"), QStringLiteral("Seconds."),
        QStringLiteral("s"), QStringLiteral("30"));
    const QCommandLineOption hours(QStringLiteral("hours"), QStringLiteral("History length."),
        QStringLiteral("h"), QStringLiteral("24"));
    const QCommandLineOption interval(QStringLiteral("interval"),
        QStringLiteral("Seconds between reports."), QStringLiteral("s"), QStringLiteral("10"));
    const QCommandLineOption offline(QStringLiteral("offline"),
        QStringLiteral("Devices silent for 10 min."), QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption runs(QStringLiteral("runs"), QStringLiteral("Repetitions."),
        QStringLiteral("n"), QStringLiteral("3"));
    const QCommandLineOption groups(QStringLiteral("groups"),
        QStringLiteral("Table: group the devices by a label with this many values."),
        QStringLiteral("n"), QStringLiteral("0"));
    parser.addOptions({exportOption, out, demo, table, chart, db, devices, rate, duration, hours,
        interval, offline, runs, groups});
    parser.process(app);
    if (parser.isSet(demo))
        return demoData(parser.value(db), parser.value(devices).toInt(),
            parser.value(hours).toDouble(), parser.value(interval).toDouble(),
            parser.value(offline).toInt());
    if (parser.isSet(table))
        return tableBench(parser.value(devices).toInt(), parser.value(rate).toInt(),
            parser.value(duration).toInt(), parser.value(groups).toInt());
    if (parser.isSet(exportOption))
        return exportBench(parser.value(db), parser.value(out));
    if (parser.isSet(chart))
        return chartBench(parser.value(db), parser.value(runs).toInt());
    parser.showHelp(2);
}
