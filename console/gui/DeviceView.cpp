// SPDX-License-Identifier: MIT
#include "gui/DeviceView.h"

#include "gui/DeviceTableModel.h"
#include "gui/HardwarePanel.h"
#include "gui/HeartbeatStrip.h"
#include "gui/HumanFormat.h"
#include "gui/InterfaceTableModel.h"
#include "gui/MetricChart.h"
#include "gui/StoreWorker.h"

#include <QComboBox>
#include <QDateTime>
#include <QDateTimeEdit>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QThread>
#include <QVBoxLayout>

namespace dmr::console {

namespace {

constexpr int kLiveRefreshMs = 2000;
constexpr qint64 kLiveSpanMs = 5 * 60 * 1000;
// Presence moves with the device's reports (10 s apart by default); each
// answer costs alerting a few small queries.
constexpr int kPresenceRefreshMs = 5000;

const QStringList kPercentNames = {QStringLiteral("cpu_percent"), QStringLiteral("memory_percent"),
    QStringLiteral("disk_percent")};
const QStringList kLoadNames
    = {QStringLiteral("load_1"), QStringLiteral("load_5"), QStringLiteral("load_15")};

} // namespace

DeviceView::DeviceView(
    const QString &uuid, const QString &databasePath, DeviceTableModel *devices, QWidget *parent)
    : QWidget(parent)
    , m_uuid(uuid)
    , m_devices(devices)
    , m_thread(new QThread(this))
    , m_worker(new StoreWorker(databasePath))
    , m_title(new QLabel(this))
    , m_heartbeat(new HeartbeatStrip(this))
    , m_rangeBox(new QComboBox(this))
    , m_resolution(new QLabel(this))
    , m_fromEdit(new QDateTimeEdit(this))
    , m_toEdit(new QDateTimeEdit(this))
    , m_applyCustom(new QPushButton(tr("Show"), this))
    , m_percent(new MetricChart(tr("CPU, memory and disk"), MetricChart::Kind::Percent, this))
    , m_load(new MetricChart(tr("Load average"), MetricChart::Kind::Number, this))
    , m_network(new MetricChart(tr("Network (bytes/s)"), MetricChart::Kind::Rate, this))
    , m_interfaces(new InterfaceTableModel(this))
    , m_hardware(new HardwarePanel(this))
    , m_tabs(new QTabWidget(this))
{
    m_thread->setObjectName(QStringLiteral("device-view-store"));
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::started, m_worker, &StoreWorker::open);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(this, &DeviceView::historyRequested, m_worker, &StoreWorker::loadHistory);
    connect(this, &DeviceView::deviceRequested, m_worker, &StoreWorker::loadDevice);
    connect(m_worker, &StoreWorker::historyLoaded, this, &DeviceView::showHistory);
    connect(m_worker, &StoreWorker::hardwareLoaded, this, &DeviceView::showHardware);
    connect(m_worker, &StoreWorker::deviceLoaded, this, &DeviceView::showDevice);
    m_thread->start();

    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_rangeBox->addItems({tr("Live (last 5 minutes)"), tr("Last hour"), tr("Last 24 hours"),
        tr("Last 7 days"), tr("Custom…")});
    const QDateTime now = QDateTime::currentDateTime();
    m_fromEdit->setDateTime(now.addDays(-1));
    m_toEdit->setDateTime(now);
    for (QDateTimeEdit *edit : {m_fromEdit, m_toEdit}) {
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
        edit->setCalendarPopup(true);
        edit->setVisible(false);
    }
    m_applyCustom->setVisible(false);
    connect(m_rangeBox, &QComboBox::activated, this, &DeviceView::rangePicked);
    connect(m_applyCustom, &QPushButton::clicked, this, [this] {
        setCustomRange(
            m_fromEdit->dateTime().toMSecsSinceEpoch(), m_toEdit->dateTime().toMSecsSinceEpoch());
    });

    auto *top = new QHBoxLayout;
    top->addWidget(m_title, 1);
    top->addWidget(new QLabel(tr("Range:"), this));
    top->addWidget(m_rangeBox);
    top->addWidget(m_fromEdit);
    top->addWidget(m_toEdit);
    top->addWidget(m_applyCustom);
    m_resolution->setObjectName(QStringLiteral("resolution"));
    m_resolution->setToolTip(tr("Which tier of stored history the charts show: every report, "
                                "or the min and max of each minute or hour"));
    top->addWidget(m_resolution);

    m_percent->setSeriesNames(kPercentNames, {tr("CPU %"), tr("Memory %"), tr("Disk %")});
    m_load->setSeriesNames(kLoadNames, {tr("1 min"), tr("5 min"), tr("15 min")});
    connect(m_percent, &MetricChart::painted, this, [this] {
        if (m_waitingPaint) {
            m_waitingPaint = false;
            emit historyShown(m_requestClock.elapsed());
        }
    });

    auto *interfaceTable = new QTableView(this);
    interfaceTable->setModel(m_interfaces);
    interfaceTable->verticalHeader()->hide();
    interfaceTable->horizontalHeader()->setStretchLastSection(true);
    interfaceTable->setSelectionBehavior(QAbstractItemView::SelectRows);

    auto *grid = new QGridLayout;
    grid->addWidget(m_percent, 0, 0);
    grid->addWidget(m_load, 0, 1);
    grid->addWidget(m_network, 1, 0);
    grid->addWidget(interfaceTable, 1, 1);

    m_heartbeat->setObjectName(QStringLiteral("heartbeat"));
    m_heartbeat->setUnavailable(tr("No presence: alerting is not connected"));
    connect(&m_presenceTimer, &QTimer::timeout, this, &DeviceView::requestPresence);

    // The system charts first; a board's hardware (agents 0.2.0 on) beside
    // them. A click on a chart shows the processes on top at that moment.
    auto *charts = new QWidget(this);
    charts->setLayout(grid);
    m_hardware->setObjectName(QStringLiteral("hardware"));
    m_tabs->addTab(charts, tr("History"));
    m_tabs->addTab(m_hardware, tr("Hardware and processes"));
    for (MetricChart *chart : {m_percent, m_load, m_network}) {
        connect(chart, &MetricChart::clickedAt, this, [this](qint64 ms) {
            m_hardware->showProcessesAt(ms);
            m_tabs->setCurrentWidget(m_hardware);
        });
    }
    for (MetricChart *chart : {m_hardware->temperatureChart(), m_hardware->fileSystemChart()})
        connect(chart, &MetricChart::clickedAt, m_hardware, &HardwarePanel::showProcessesAt);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_heartbeat);
    layout->addWidget(m_tabs, 1);

    connect(&m_liveTimer, &QTimer::timeout, this, [this] {
        requestHistory();
        emit deviceRequested(m_uuid);
        updateTitle();
    });
    updateTitle();
    setRange(Range::Live);
    emit deviceRequested(m_uuid);
}

DeviceView::~DeviceView()
{
    m_worker->supersede(~quint64(0));
    m_thread->quit();
    m_thread->wait();
}

void DeviceView::setAlertCall(AlertCall call)
{
    m_alertCall = std::move(call);
    m_heartbeat->setUnavailable(tr("Presence: asking…"));
    if (isVisible()) {
        requestPresence();
        m_presenceTimer.start(kPresenceRefreshMs);
    }
}

void DeviceView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!m_alertCall)
        return;
    requestPresence();
    m_presenceTimer.start(kPresenceRefreshMs);
}

void DeviceView::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_presenceTimer.stop(); // a tab in the background asks nothing
}

void DeviceView::requestPresence()
{
    if (!m_alertCall || m_presenceInFlight)
        return;
    m_presenceInFlight = true;
    AlertRequest request;
    request.method = QByteArrayLiteral("GET");
    request.path = {QStringLiteral("devices"), m_uuid, QStringLiteral("presence")};
    // The answer comes on this thread, and not at all once this view is gone.
    m_alertCall(request, this, [this](const AlertReply &reply) {
        m_presenceInFlight = false;
        showPresence(reply);
    });
}

void DeviceView::showPresence(const AlertReply &reply)
{
    const QJsonObject body = QJsonDocument::fromJson(reply.json).object();
    if (reply.status == 200)
        m_heartbeat->setPresence(body);
    else
        m_heartbeat->setUnavailable(
            tr("Presence: %1").arg(body.value(QLatin1String("error")).toString()));
}

void DeviceView::rangePicked(int index)
{
    const Range range = Range(index);
    const bool custom = range == Range::Custom;
    m_fromEdit->setVisible(custom);
    m_toEdit->setVisible(custom);
    m_applyCustom->setVisible(custom);
    if (!custom)
        setRange(range);
}

void DeviceView::setRange(Range range)
{
    m_range = range;
    m_rangeBox->setCurrentIndex(int(range));
    if (range == Range::Live)
        m_liveTimer.start(kLiveRefreshMs);
    else
        m_liveTimer.stop();
    requestHistory();
}

void DeviceView::setCustomRange(qint64 fromMs, qint64 toMs)
{
    if (toMs <= fromMs)
        return;
    m_customFrom = fromMs;
    m_customTo = toMs;
    setRange(Range::Custom);
}

void DeviceView::requestHistory()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    HistoryRequest request;
    request.generation = ++m_generation;
    request.uuid = m_uuid;
    request.toMs = now;
    switch (m_range) {
    case Range::Live:
        request.fromMs = now - kLiveSpanMs;
        break;
    case Range::Hour:
        request.fromMs = now - 3600 * 1000LL;
        break;
    case Range::Day:
        request.fromMs = now - 86400 * 1000LL;
        break;
    case Range::Week:
        request.fromMs = now - 7 * 86400 * 1000LL;
        break;
    case Range::Custom:
        request.fromMs = m_customFrom;
        request.toMs = m_customTo;
        break;
    }
    // Two points per pixel column at most: the downsampler emits min and max.
    request.columns = m_percent->plotColumns();
    m_worker->supersede(request.generation);
    m_requestClock.start();
    emit historyRequested(request);
}

void DeviceView::showHistory(const HistoryResult &result)
{
    if (result.generation != m_generation)
        return;
    if (!result.network) {
        m_resolution->setText(result.resolution == QLatin1String("hour") ? tr("per hour")
                : result.resolution == QLatin1String("minute")           ? tr("per minute")
                                                                         : tr("every report"));
        for (MetricChart *chart : {m_percent, m_load}) {
            chart->setTimeRange(result.fromMs, result.toMs);
            const QStringList names = chart->seriesNames();
            for (const HistorySeries &series : result.series) {
                const int index = names.indexOf(series.name);
                if (index >= 0)
                    chart->setPoints(index, series.points);
            }
            chart->rescale();
        }
        m_waitingPaint = true;
        return;
    }
    QStringList names;
    QStringList labels;
    for (const HistorySeries &series : result.series) {
        names.append(series.name);
        labels.append(series.name.endsWith(QLatin1String(" rx"))
                ? series.name.chopped(3) + tr(" received")
                : series.name.chopped(3) + tr(" sent"));
    }
    m_network->setSeriesNames(names, labels);
    m_network->setTimeRange(result.fromMs, result.toMs);
    for (int i = 0; i < result.series.size(); ++i)
        m_network->setPoints(i, result.series.at(i).points);
    m_network->rescale();
    emit networkShown(m_requestClock.elapsed());
}

void DeviceView::showHardware(const HardwareResult &result)
{
    if (result.generation != m_generation)
        return;
    m_hardware->setTimeRange(result.fromMs, result.toMs);
    m_hardware->setRows(result.rows);
    emit hardwareShown();
}

void DeviceView::showDevice(const DeviceOverview &device)
{
    if (device.device.uuid == m_uuid)
        m_interfaces->setInterfaces(device.interfaces, device.latestTs);
}

void DeviceView::updateTitle()
{
    const DeviceOverview *row = m_devices ? m_devices->rowFor(m_uuid) : nullptr;
    if (!row) {
        m_title->setText(m_uuid);
        return;
    }
    const DeviceSnapshot &d = row->device;
    const QString hostname = row->displayName.isEmpty()
        ? QString()
        : tr("hostname %1 &nbsp; ").arg(d.hostname.toHtmlEscaped());
    m_title->setText(
        tr("<b>%1</b> &nbsp; %2device_id %3 &nbsp; uuid %4 &nbsp; last seen %5")
            .arg(row->name().toHtmlEscaped(), hostname, d.deviceId.toHtmlEscaped(), d.uuid,
                HumanFormat::ago(d.lastSeen, QDateTime::currentMSecsSinceEpoch())));
}

} // namespace dmr::console
