// SPDX-License-Identifier: MIT
#include "gui/HardwarePanel.h"

#include "gui/CoreHeatStrip.h"
#include "gui/HumanFormat.h"
#include "gui/JsonTableModel.h"
#include "gui/MetricChart.h"

#include <QDateTime>
#include <QGridLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLocale>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace dmr::console {

namespace {

QString percent(double value)
{
    return QLocale().toString(value, 'f', 1) + QStringLiteral(" %");
}

QString kib(std::uint64_t kb)
{
    return HumanFormat::bytes(double(kb) * 1024.0);
}

QTableView *tableFor(JsonTableModel *model, QWidget *parent)
{
    auto *table = new QTableView(parent);
    table->setModel(model);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setStretchLastSection(true);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    return table;
}

} // namespace

HardwarePanel::HardwarePanel(QWidget *parent)
    : QWidget(parent)
    , m_summary(new QLabel(this))
    , m_temperatures(new MetricChart(tr("Temperatures (°C)"), MetricChart::Kind::Number, this))
    , m_fileSystemUse(
          new MetricChart(tr("File systems (% used)"), MetricChart::Kind::Percent, this))
    , m_cores(new CoreHeatStrip(this))
    , m_fileSystems(new JsonTableModel(
          {{QStringLiteral("mount"), tr("Mount")}, {QStringLiteral("type"), tr("Type")},
              {QStringLiteral("size"), tr("Size")}, {QStringLiteral("used"), tr("Used")},
              {QStringLiteral("free"), tr("Free")}, {QStringLiteral("inodes"), tr("Inodes used")}},
          this))
    , m_processes(new JsonTableModel(
          {{QStringLiteral("pid"), tr("PID")}, {QStringLiteral("name"), tr("Name")},
              {QStringLiteral("cpu"), tr("CPU, % of a core")},
              {QStringLiteral("memory"), tr("Memory")}},
          this))
    , m_processesCaption(new QLabel(this))
{
    m_summary->setObjectName(QStringLiteral("hardwareSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_processesCaption->setObjectName(QStringLiteral("processesCaption"));
    m_cores->setObjectName(QStringLiteral("coreStrip"));

    auto *coresBox = new QVBoxLayout;
    coresBox->addWidget(new QLabel(tr("CPU cores"), this));
    coresBox->addWidget(m_cores, 1);
    auto *processesBox = new QVBoxLayout;
    processesBox->addWidget(m_processesCaption);
    processesBox->addWidget(tableFor(m_processes, this), 1);
    auto *fileSystemsBox = new QVBoxLayout;
    fileSystemsBox->addWidget(new QLabel(tr("File systems"), this));
    fileSystemsBox->addWidget(tableFor(m_fileSystems, this), 1);

    auto *grid = new QGridLayout;
    grid->addWidget(m_temperatures, 0, 0);
    grid->addLayout(coresBox, 0, 1);
    grid->addWidget(m_fileSystemUse, 1, 0);
    grid->addLayout(fileSystemsBox, 1, 1);
    grid->addLayout(processesBox, 2, 0, 1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addLayout(grid, 1);
    setRows({});
}

void HardwarePanel::setTimeRange(qint64 fromMs, qint64 toMs)
{
    m_temperatures->setTimeRange(fromMs, toMs);
    m_fileSystemUse->setTimeRange(fromMs, toMs);
}

QString HardwarePanel::processesCaption() const
{
    return m_processesCaption->text();
}

QString HardwarePanel::summary() const
{
    return m_summary->text();
}

void HardwarePanel::setRows(const QList<HardwareRow> &rows)
{
    m_rows = rows;
    // Every sensor seen in the range, in the order first seen, one line each.
    QStringList sensors;
    for (const HardwareRow &row : rows) {
        for (const dmr::TemperatureSample &t : row.hardware.temperatures) {
            const QString name = QString::fromStdString(t.sensor);
            if (!name.isEmpty() && !sensors.contains(name))
                sensors.append(name);
        }
    }
    m_temperatures->setSeriesNames(sensors, sensors);
    QList<QList<QPointF>> lines(sensors.size());
    QList<QList<double>> cores;
    cores.reserve(rows.size());
    for (const HardwareRow &row : rows) {
        for (const dmr::TemperatureSample &t : row.hardware.temperatures) {
            const int at = sensors.indexOf(QString::fromStdString(t.sensor));
            if (at >= 0)
                lines[at].append(QPointF(double(row.ts), t.celsius));
        }
        cores.append(
            QList<double>(row.hardware.corePercents.begin(), row.hardware.corePercents.end()));
    }
    for (int i = 0; i < lines.size(); ++i)
        m_temperatures->setPoints(i, lines[i]);
    m_temperatures->rescale();

    // Each mount point's use, one line each: a card filling up climbs.
    QStringList mounts;
    for (const HardwareRow &row : rows) {
        for (const dmr::FileSystemSample &fs : row.hardware.fileSystems) {
            const QString mount = QString::fromStdString(fs.mount);
            if (!mount.isEmpty() && !mounts.contains(mount))
                mounts.append(mount);
        }
    }
    m_fileSystemUse->setSeriesNames(mounts, mounts);
    QList<QList<QPointF>> use(mounts.size());
    for (const HardwareRow &row : rows) {
        for (const dmr::FileSystemSample &fs : row.hardware.fileSystems) {
            const int at = mounts.indexOf(QString::fromStdString(fs.mount));
            if (at >= 0)
                use[at].append(QPointF(double(row.ts), fs.percent()));
        }
    }
    for (int i = 0; i < use.size(); ++i)
        m_fileSystemUse->setPoints(i, use[i]);
    m_fileSystemUse->rescale();
    m_cores->setColumns(cores);
    showNewest();
    showProcessesAt(m_pinnedMs);
}

void HardwarePanel::showNewest()
{
    if (m_rows.isEmpty()) {
        m_summary->setText(tr("No hardware figures in this range: the device's agent sends "
                              "none (agents before 0.2.0), or has not reported yet."));
        m_fileSystems->setRows({});
        return;
    }
    const dmr::HardwareSample &h = m_rows.last().hardware;
    QStringList parts;
    if (!h.temperatures.empty()) {
        const auto hottest = std::max_element(h.temperatures.begin(), h.temperatures.end(),
            [](const auto &a, const auto &b) { return a.celsius < b.celsius; });
        parts.append(tr("Hottest: %1 %2 °C")
                         .arg(QString::fromStdString(hottest->sensor))
                         .arg(QLocale().toString(hottest->celsius, 'f', 1)));
    }
    if (h.battery)
        parts.append(tr("Battery %1, %2")
                         .arg(percent(h.battery->percent),
                             QString::fromLatin1(dmr::batteryStateName(h.battery->state))));
    if (h.swapTotalKb > 0)
        parts.append(tr("Swap %1 of %2")
                         .arg(percent(100.0 * double(h.swapUsedKb) / double(h.swapTotalKb)),
                             kib(h.swapTotalKb)));
    if (h.diskIo)
        parts.append(tr("Disk I/O %1/s read, %2/s written, busiest disk %3 busy")
                         .arg(kib(h.diskIo->readKbPerSecond), kib(h.diskIo->writeKbPerSecond),
                             percent(h.diskIo->busyPercent)));
    if (h.failedUnits) {
        QStringList units;
        for (const std::string &unit : *h.failedUnits)
            units.append(unit.empty() ? QStringLiteral("?") : QString::fromStdString(unit));
        parts.append(units.isEmpty()
                ? tr("No failed units")
                : tr("Failed units: %1").arg(units.join(QStringLiteral(", "))));
    }
    m_summary->setText(parts.join(QStringLiteral(" · ")));

    QJsonArray fileSystems;
    for (const dmr::FileSystemSample &fs : h.fileSystems) {
        fileSystems.append(QJsonObject {{QStringLiteral("mount"), QString::fromStdString(fs.mount)},
            {QStringLiteral("type"), QString::fromStdString(fs.type)},
            {QStringLiteral("size"), kib(fs.sizeKb)},
            {QStringLiteral("used"), percent(fs.percent())},
            {QStringLiteral("free"), kib(fs.availableKb)},
            {QStringLiteral("inodes"),
                fs.inodesTotal ? percent(fs.inodePercent()) : QStringLiteral("–")}});
    }
    m_fileSystems->setRows(fileSystems);
}

void HardwarePanel::showProcessesAt(qint64 ms)
{
    m_pinnedMs = ms;
    if (m_rows.isEmpty()) {
        m_processesCaption->setText(tr("Top processes"));
        m_processes->setRows({});
        return;
    }
    const HardwareRow *row = &m_rows.last();
    if (ms >= 0) {
        row = &*std::min_element(
            m_rows.begin(), m_rows.end(), [ms](const HardwareRow &a, const HardwareRow &b) {
                return std::llabs(a.ts - ms) < std::llabs(b.ts - ms);
            });
    }
    m_processesCaption->setText(
        tr("Top processes at %1%2")
            .arg(QLocale().toString(QDateTime::fromMSecsSinceEpoch(row->ts), QLocale::ShortFormat),
                ms >= 0 ? QString() : tr(" (click a chart for another moment)")));
    QJsonArray processes;
    for (const dmr::ProcessSample &p : row->hardware.processes) {
        processes.append(QJsonObject {{QStringLiteral("pid"), QString::number(p.pid)},
            {QStringLiteral("name"),
                p.name.empty() ? QStringLiteral("?") : QString::fromStdString(p.name)},
            {QStringLiteral("cpu"), QLocale().toString(p.cpuPercent, 'f', 1)},
            {QStringLiteral("memory"), kib(p.rssKb)}});
    }
    m_processes->setRows(processes);
}

} // namespace dmr::console
