// SPDX-License-Identifier: MIT
#include "gui/DeviceTableModel.h"

#include "gui/HeartbeatMark.h"
#include "gui/HumanFormat.h"
#include "ingest/DeviceRegistry.h"
#include "store/AgentFeatures.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QIcon>
#include <QPainter>
#include <QPixmap>
#include <algorithm>
#include <limits>

namespace dmr::console {

namespace {

constexpr int kRefreshMs = 250; // at most four refreshes a second
constexpr int kTickMs = 1000; // status and "last seen" move on with time
// Alerting announces new labels before its transaction commits, and a read
// of the store may be on its way meanwhile: for this long after setLabels()
// the store's rows do not take the labels back. Past it the store wins, as
// it must for labels another console set on a shared database.
constexpr qint64 kLiveLabelsHoldMs = 5000;

// Newest of both: the registry's state and the store's latest values arrive
// on separate paths, each possibly behind the other.
void mergeRow(DeviceOverview *into, const DeviceOverview &from, bool takeLabels)
{
    if (from.id != 0) {
        into->id = from.id;
        into->displayName = from.displayName; // the store's alone
        if (takeLabels)
            into->labels = from.labels; // as are the labels, but see kLiveLabelsHoldMs
    }
    if (from.device.lastSeen >= into->device.lastSeen)
        into->device = from.device;
    if (from.latestTs > into->latestTs) {
        into->latestTs = from.latestTs;
        into->system = from.system;
    }
}

QIcon statusIcon(bool online)
{
    // Breeze's positive and neutral colours.
    static const auto make = [](const QColor &color) {
        QPixmap pixmap(16, 16);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(color);
        painter.drawEllipse(QRectF(3, 3, 10, 10));
        return QIcon(pixmap);
    };
    static const QIcon onlineIcon = make(QColor(0x27, 0xae, 0x60));
    static const QIcon offlineIcon = make(QColor(0x7f, 0x8c, 0x8d));
    return online ? onlineIcon : offlineIcon;
}

// An amber ring: the device's agent is older than the console.
QIcon outdatedIcon()
{
    static const QIcon icon = [] {
        QPixmap pixmap(16, 16);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(QColor(0xf3, 0x9c, 0x12), 2));
        painter.setBrush(Qt::NoBrush);
        painter.drawEllipse(QRectF(3, 3, 10, 10));
        painter.drawLine(QPointF(8, 5.5), QPointF(8, 8.5));
        painter.drawPoint(QPointF(8, 10.5));
        return QIcon(pixmap);
    }();
    return icon;
}

double lostPercent(const DeviceSnapshot &d)
{
    const quint64 total = d.reportsReceived + d.reportsLost;
    return total ? 100.0 * double(d.reportsLost) / double(total) : 0.0;
}

QString percent(double value)
{
    return QStringLiteral("%1 %").arg(value, 0, 'f', 1);
}

QString labelsText(const QMap<QString, QString> &labels)
{
    QString text;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it) {
        if (!text.isEmpty())
            text += QLatin1String(", ");
        text += it.key() + QLatin1Char('=') + it.value();
    }
    return text;
}

// Rounds down, also below zero.
qint64 floorDiv(qint64 a, qint64 b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);
}

} // namespace

DeviceTableModel::DeviceTableModel(Clock clock, QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock(clock ? std::move(clock) : [] { return QDateTime::currentMSecsSinceEpoch(); })
{
    m_now = m_clock();
    connect(&m_timer, &QTimer::timeout, this, &DeviceTableModel::refresh);
    m_timer.start(kRefreshMs);
}

void DeviceTableModel::setOfflineAfterSeconds(int seconds)
{
    m_offlineAfterSeconds = seconds;
    m_lastTick = 0; // re-evaluate at the next refresh
}

void DeviceTableModel::setRefreshIntervalMs(int ms)
{
    if (ms <= 0)
        m_timer.stop();
    else
        m_timer.start(ms);
}

QModelIndex DeviceTableModel::index(int row, int column, const QModelIndex &parent) const
{
    if (parent.isValid() || row < 0 || row >= int(m_entries.size()) || column < 0
        || column >= ColumnCount)
        return {};
    return createIndex(row, column);
}

int DeviceTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int DeviceTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

const DeviceOverview *DeviceTableModel::rowFor(const QString &uuid) const
{
    const auto it = m_rowOf.constFind(uuid);
    return it == m_rowOf.constEnd() ? nullptr : &m_entries[std::size_t(*it)].row;
}

void DeviceTableModel::stage(const DeviceOverview &update)
{
    if (!m_removed.isEmpty() && m_removed.contains(update.device.uuid))
        return;
    const auto row = m_rowOf.constFind(update.device.uuid);
    if (row == m_rowOf.constEnd()) {
        auto it = m_added.find(update.device.uuid);
        if (it == m_added.end())
            m_added.insert(update.device.uuid, update);
        else
            mergeRow(&*it, update, true);
        return;
    }
    Entry &entry = m_entries[std::size_t(*row)];
    const bool takeLabels = update.id != 0 && m_now - entry.liveLabelsAt >= kLiveLabelsHoldMs;
    // The store's rows (all of them, every second) are often older than what
    // the live snapshots already brought: nothing to merge, nothing to copy.
    const DeviceOverview &newest = entry.pending ? entry.next : entry.row;
    if (update.device.lastSeen < newest.device.lastSeen && update.latestTs <= newest.latestTs
        && (update.id == 0
            || (update.id == newest.id && update.displayName == newest.displayName
                && (!takeLabels || update.labels == newest.labels))))
        return;
    if (!entry.pending) {
        entry.next = entry.row;
        entry.pending = true;
        m_pendingRows.push_back(*row);
    }
    mergeRow(&entry.next, update, takeLabels);
}

void DeviceTableModel::setLabels(const QString &uuid, const QMap<QString, QString> &labels)
{
    if (!m_removed.isEmpty() && m_removed.contains(uuid))
        return;
    const qint64 now = m_clock();
    const auto row = m_rowOf.constFind(uuid);
    if (row == m_rowOf.constEnd()) {
        // Not shown yet: applied when its row is added.
        m_labelsAhead.insert(uuid, {labels, now});
        return;
    }
    Entry &entry = m_entries[std::size_t(*row)];
    entry.liveLabelsAt = now;
    if (!entry.pending) {
        entry.next = entry.row;
        entry.pending = true;
        m_pendingRows.push_back(*row);
    }
    entry.next.labels = labels;
}

void DeviceTableModel::applySnapshots(const QList<DeviceSnapshot> &devices)
{
    DeviceOverview row;
    for (const DeviceSnapshot &device : devices) {
        row.device = device;
        stage(row);
    }
}

void DeviceTableModel::applyRows(const QList<DeviceOverview> &rows)
{
    for (const DeviceOverview &row : rows)
        stage(row);
}

void DeviceTableModel::refresh()
{
    const qint64 now = m_clock();
    const bool tick = now - m_lastTick >= kTickMs || now < m_lastTick;
    if (m_pendingRows.empty() && m_added.isEmpty() && !tick)
        return;
    ++m_refreshes;
    m_now = now;
    m_namesChanged = false;
    m_labelsChanged = false;
    m_onlineChanged = false;
    // Alerts that changed since the last refresh may change the order now.
    m_alertsChanged = m_alertsPending;
    m_alertsPending = false;
    m_sortKeyColumn = -1; // values change below

    int firstChanged = int(m_entries.size());
    int lastChanged = -1;
    for (const int row : m_pendingRows) {
        Entry &entry = m_entries[std::size_t(row)];
        m_namesChanged = m_namesChanged || entry.next.device.hostname != entry.row.device.hostname
            || entry.next.device.deviceId != entry.row.device.deviceId
            || entry.next.displayName != entry.row.displayName;
        // Both compare shared data first: free when nothing changed.
        const bool labels = entry.next.labels != entry.row.labels;
        const bool arrived = entry.next.device.lastSeen > entry.row.device.lastSeen
            || entry.next.device.intervalSeconds != entry.row.device.intervalSeconds;
        entry.row = std::move(entry.next);
        entry.next = DeviceOverview();
        entry.pending = false;
        if (labels) {
            m_labelsChanged = true;
            entry.labelsText = labelsText(entry.row.labels);
        }
        if (arrived)
            recordArrival(&entry);
        firstChanged = std::min(firstChanged, row);
        lastChanged = std::max(lastChanged, row);
    }
    m_pendingRows.clear();

    if (!m_added.isEmpty()) {
        m_namesChanged = true;
        const int first = int(m_entries.size());
        beginInsertRows({}, first, first + int(m_added.size()) - 1);
        for (auto it = m_added.begin(); it != m_added.end(); ++it) {
            m_rowOf.insert(it.key(), int(m_entries.size()));
            Entry entry;
            entry.row = std::move(*it);
            if (!m_labelsAhead.isEmpty()) {
                const auto ahead = m_labelsAhead.constFind(it.key());
                if (ahead != m_labelsAhead.cend()) {
                    entry.row.labels = ahead->first;
                    entry.liveLabelsAt = ahead->second;
                    m_labelsAhead.erase(ahead);
                }
            }
            if (!entry.row.labels.isEmpty()) {
                m_labelsChanged = true;
                entry.labelsText = labelsText(entry.row.labels);
            }
            entry.online = DeviceRegistry::isOnline(entry.row.device, now, m_offlineAfterSeconds);
            recordArrival(&entry);
            m_entries.push_back(std::move(entry));
        }
        m_added.clear();
        endInsertRows();
    }

    int online = 0;
    for (Entry &entry : m_entries) {
        const bool isOnline
            = DeviceRegistry::isOnline(entry.row.device, now, m_offlineAfterSeconds);
        if (isOnline != entry.online) {
            entry.online = isOnline;
            m_onlineChanged = true;
            const DeviceSnapshot &d = entry.row.device;
            emit deviceOnlineChanged(d.uuid, entry.row.name(), isOnline);
        }
        online += isOnline ? 1 : 0;
    }

    if (tick) {
        // "last seen" changes for every row as time passes.
        m_lastTick = now;
        firstChanged = 0;
        lastChanged = int(m_entries.size()) - 1;
    }
    if (lastChanged >= firstChanged && lastChanged >= 0)
        emit dataChanged(index(firstChanged, 0), index(lastChanged, ColumnCount - 1));
    m_online = online;
    if (m_labelsChanged || m_labelKeysDirty)
        updateLabelKeys();
    emit countsChanged(online, int(m_entries.size()));
    emit refreshed();
}

void DeviceTableModel::updateLabelKeys()
{
    m_labelKeysDirty = false;
    QSet<QString> keys;
    for (const Entry &entry : m_entries) {
        for (auto it = entry.row.labels.keyBegin(); it != entry.row.labels.keyEnd(); ++it)
            keys.insert(*it);
    }
    QStringList sorted(keys.cbegin(), keys.cend());
    sorted.sort();
    if (sorted == m_labelKeys)
        return;
    m_labelKeys = sorted;
    emit labelKeysChanged(m_labelKeys);
}

void DeviceTableModel::recordArrival(Entry *entry)
{
    Beats &beats = entry->beats;
    const DeviceSnapshot &device = entry->row.device;
    if (device.lastSeen <= 0)
        return;
    const qint64 interval = 1000 * qint64(std::max<quint32>(1, device.intervalSeconds));
    if (beats.intervalMs != interval) {
        // First sight, or the agent's interval changed: older slots mean nothing now.
        beats = Beats();
        beats.anchor = device.lastSeen;
        beats.intervalMs = interval;
        beats.bits = 1;
        beats.received = device.reportsReceived;
        return;
    }
    const qint64 slot = floorDiv(device.lastSeen - beats.anchor + interval / 2, interval);
    if (slot < beats.last)
        return;
    // Several reports since the last look (between two refreshes, or an
    // agent's resent backlog) fill the gap since the previous arrival,
    // newest first: they did arrive, only later than expected.
    quint64 count
        = device.reportsReceived > beats.received ? device.reportsReceived - beats.received : 1;
    beats.received = device.reportsReceived;
    const qint64 previous = beats.last;
    if (slot > beats.last) {
        const qint64 shift = slot - beats.last;
        beats.bits = shift >= 64 ? 0 : beats.bits << shift;
        beats.last = slot;
    }
    beats.bits |= 1;
    for (qint64 s = slot - 1; count > 1 && s > previous && slot - s < 64; --s, --count)
        beats.bits |= quint64(1) << (slot - s);
}

QByteArray DeviceTableModel::heartbeat(const Entry &entry) const
{
    QByteArray marks(kHeartbeatMarks, char(HeartbeatMark::None));
    const Beats &beats = entry.beats;
    const qint64 interval = beats.intervalMs;
    if (interval <= 0)
        return marks;
    // As presence has it: offline once the last report is older than this.
    const qint64 limitMs = 1000
        * std::max<qint64>(m_offlineAfterSeconds, 3 * qint64(entry.row.device.intervalSeconds));
    const auto arrivedIn = [&beats](qint64 slot) {
        const qint64 back = beats.last - slot;
        return back >= 0 && back < 64 && ((beats.bits >> back) & 1) != 0;
    };
    const qint64 current = floorDiv(m_now - beats.anchor + interval / 2, interval);
    const qint64 start = current - kHeartbeatMarks + 1;
    // The newest arrival before the strip: where a gap at its left began.
    constexpr qint64 unknown = std::numeric_limits<qint64>::min();
    qint64 previous = unknown;
    for (qint64 s = std::min(start - 1, beats.last); s > beats.last - 64 && s >= 0; --s) {
        if (arrivedIn(s)) {
            previous = s;
            break;
        }
    }
    for (int i = 0; i < kHeartbeatMarks; ++i) {
        const qint64 slot = start + i;
        HeartbeatMark mark = HeartbeatMark::None;
        if (slot < 0) {
            mark = HeartbeatMark::None; // before this model first saw the device
        } else if (arrivedIn(slot)) {
            mark = HeartbeatMark::Arrived;
            previous = slot;
        } else if (beats.anchor + (slot + 1) * interval > m_now) {
            mark = HeartbeatMark::Pending; // up to an interval late is on its way
        } else if (previous == unknown || (slot - previous) * interval + interval / 2 >= limitMs) {
            mark = HeartbeatMark::Missing; // the device was offline by then
        } else {
            mark = HeartbeatMark::Lost;
        }
        marks[i] = char(mark);
    }
    return marks;
}

QString DeviceTableModel::heartbeatToolTip(const Entry &entry) const
{
    const QByteArray marks = heartbeat(entry);
    int arrived = 0;
    int expected = 0;
    for (const char mark : marks) {
        if (HeartbeatMark(mark) == HeartbeatMark::None
            || HeartbeatMark(mark) == HeartbeatMark::Pending)
            continue;
        ++expected;
        arrived += HeartbeatMark(mark) == HeartbeatMark::Arrived ? 1 : 0;
    }
    const QString legend
        = tr("One mark per report every %1: green arrived, amber lost while "
             "the device was up, red missing while it was offline, grey pending "
             "or before this window first saw it. Its tab shows the stored history.")
              .arg(HumanFormat::duration(quint64(entry.beats.intervalMs / 1000)));
    if (expected == 0)
        return legend;
    return tr("%1 of the last %2 expected reports arrived.").arg(arrived).arg(expected)
        + QLatin1Char('\n') + legend;
}

double DeviceTableModel::heartbeatKey(const Entry &entry) const
{
    // The share of arrivals among the slots watched; -1 when none were.
    const QByteArray marks = heartbeat(entry);
    int arrived = 0;
    int watched = 0;
    for (const char mark : marks) {
        if (HeartbeatMark(mark) == HeartbeatMark::None
            || HeartbeatMark(mark) == HeartbeatMark::Pending)
            continue;
        ++watched;
        arrived += HeartbeatMark(mark) == HeartbeatMark::Arrived ? 1 : 0;
    }
    return watched > 0 ? double(arrived) / watched : -1.0;
}

void DeviceTableModel::applyDeviceChange(const DeviceChangeResult &result)
{
    if (!result.done())
        return;
    const DeviceChange &change = result.change;
    switch (change.kind) {
    case DeviceChange::Kind::Delete:
        removeRow(change.uuid);
        break;
    case DeviceChange::Kind::Merge:
        removeRow(change.from);
        [[fallthrough]];
    case DeviceChange::Kind::Rename: {
        // The store's next read says so too, but a device that reports keeps
        // its snapshots newer than the store's rows: set it here.
        const auto row = m_rowOf.constFind(change.uuid);
        if (row != m_rowOf.constEnd()) {
            Entry &entry = m_entries[std::size_t(*row)];
            if (!entry.pending) {
                entry.next = entry.row;
                entry.pending = true;
                m_pendingRows.push_back(*row);
            }
            entry.next.displayName = result.displayName;
        } else if (m_added.contains(change.uuid)) {
            m_added[change.uuid].displayName = result.displayName;
        }
        break;
    }
    }
}

void DeviceTableModel::removeRow(const QString &uuid)
{
    m_removed.insert(uuid);
    m_added.remove(uuid);
    m_labelsAhead.remove(uuid);
    const auto found = m_rowOf.find(uuid);
    if (found == m_rowOf.end())
        return;
    const int row = *found;
    beginRemoveRows({}, row, row);
    const bool wasOnline = m_entries[std::size_t(row)].online;
    m_entries.erase(m_entries.begin() + row);
    m_rowOf.erase(found);
    for (int &other : m_rowOf) {
        if (other > row)
            --other;
    }
    m_pendingRows.erase(
        std::remove(m_pendingRows.begin(), m_pendingRows.end(), row), m_pendingRows.end());
    for (int &pending : m_pendingRows) {
        if (pending > row)
            --pending;
    }
    m_sortKeyColumn = -1;
    m_labelKeysDirty = true; // its label names may have been the last of theirs
    endRemoveRows();
    m_online -= wasOnline ? 1 : 0;
    emit countsChanged(m_online, int(m_entries.size()));
}

QVariant DeviceTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    return roleData(m_entries[std::size_t(index.row())], index.column(), role);
}

void DeviceTableModel::multiData(const QModelIndex &index, QModelRoleDataSpan roleDataSpan) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        for (QModelRoleData &data : roleDataSpan)
            data.clearData();
        return;
    }
    const Entry &entry = m_entries[std::size_t(index.row())];
    for (QModelRoleData &data : roleDataSpan)
        data.setData(roleData(entry, index.column(), data.role()));
}

QVariant DeviceTableModel::roleData(const Entry &entry, int column, int role) const
{
    switch (role) {
    case Qt::DisplayRole:
        return display(entry, column);
    case SortRole:
        return sortValue(entry, column);
    case UuidRole:
        return entry.row.device.uuid;
    case HostnameRole:
        return entry.row.device.hostname;
    case HeartbeatRole:
        return column == Heartbeat ? QVariant(heartbeat(entry)) : QVariant();
    case OnlineRole:
        return entry.online;
    case Qt::DecorationRole:
        if (column == Status)
            return statusIcon(entry.online);
        if (column == Hostname && AgentFeatures::outdated(entry.row.device.agentVersion))
            return outdatedIcon();
        return {};
    case Qt::BackgroundRole:
        if (const DeviceAlerts *alerts = alertsOf(entry)) {
            const int severity = column == Alerts ? alerts->worst : alerts->cells.value(column);
            if (severity == 2)
                return QBrush(QColor(231, 76, 60, 90));
            if (severity == 1)
                return QBrush(QColor(243, 156, 18, 80));
        }
        return {};
    case Qt::ToolTipRole:
        if (column == Alerts || (alertsOf(entry) && alertsOf(entry)->cells.contains(column)))
            return alertsOf(entry) ? alertsOf(entry)->summaries.join(QLatin1Char('\n'))
                                   : QVariant();
        if (column == Status || column == LastSeen)
            return HumanFormat::isoUtc(entry.row.device.lastSeen);
        if (column == Hostname) {
            QStringList lines;
            if (!entry.row.displayName.isEmpty())
                lines.append(tr("hostname %1").arg(entry.row.device.hostname));
            if (AgentFeatures::outdated(entry.row.device.agentVersion)) {
                const QStringList missing
                    = AgentFeatures::missingFields(entry.row.device.agentVersion);
                lines.append(tr("Its agent (%1) is older than this console")
                                 .arg(entry.row.device.agentVersion)
                    + (missing.isEmpty() ? QString()
                                         : tr(" and does not send: %1")
                                               .arg(missing.join(QStringLiteral(", ")))));
            }
            return lines.isEmpty() ? QVariant() : QVariant(lines.join(QLatin1Char('\n')));
        }
        if (column == Labels && !entry.row.labels.isEmpty()) {
            QStringList lines;
            for (auto it = entry.row.labels.cbegin(); it != entry.row.labels.cend(); ++it)
                lines.append(it.key() + QLatin1Char('=') + it.value());
            return lines.join(QLatin1Char('\n'));
        }
        if (column == Heartbeat)
            return heartbeatToolTip(entry);
        return {};
    case Qt::TextAlignmentRole:
        if (column >= Cpu && column <= Alerts)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ForegroundRole:
        if (!entry.online)
            return QBrush(QColor(0x7f, 0x8c, 0x8d));
        return {};
    default:
        return {};
    }
}

QVariant DeviceTableModel::display(const Entry &entry, int column) const
{
    const DeviceOverview &row = entry.row;
    const bool has = row.latestTs > 0;
    switch (column) {
    case Status:
        return entry.online ? tr("online") : tr("offline");
    case Hostname:
        return row.displayName.isEmpty() ? row.device.hostname : row.displayName;
    case DeviceId:
        return row.device.deviceId;
    case Uuid:
        return row.device.uuid;
    case Cpu:
        return has ? percent(row.system.cpuPercent) : QString();
    case Memory:
        return has ? percent(row.system.memoryPercent()) : QString();
    case Disk:
        return has ? percent(row.system.diskPercent()) : QString();
    case Load1:
        return has ? QString::number(row.system.load1, 'f', 2) : QString();
    case Load5:
        return has ? QString::number(row.system.load5, 'f', 2) : QString();
    case Load15:
        return has ? QString::number(row.system.load15, 'f', 2) : QString();
    case Uptime:
        return has ? HumanFormat::duration(row.system.uptimeSeconds) : QString();
    case LastSeen:
        return HumanFormat::ago(row.device.lastSeen, m_now);
    case Lost:
        return percent(lostPercent(row.device));
    case Alerts:
        if (const DeviceAlerts *alerts = alertsOf(entry))
            return alerts->worst == 2 ? tr("%n critical", nullptr, alerts->count)
                                      : tr("%n warning", nullptr, alerts->count);
        return QString();
    case Heartbeat:
        return QString(); // painted by HeartbeatDelegate
    case Labels:
        return entry.labelsText;
    default:
        return {};
    }
}

QVariant DeviceTableModel::sortValue(const Entry &entry, int column) const
{
    switch (column) {
    case Hostname:
    case DeviceId:
    case Uuid:
    case Labels:
        return display(entry, column);
    case Uptime:
        return qlonglong(numericKey(entry, column));
    case LastSeen:
        return entry.row.device.lastSeen;
    default:
        return numericKey(entry, column);
    }
}

bool DeviceTableModel::orderMayHaveChanged(int column) const
{
    switch (column) {
    case Hostname:
    case DeviceId:
    case Uuid:
        return m_namesChanged;
    case Status:
        return m_namesChanged || m_onlineChanged;
    case Alerts:
        return m_namesChanged || m_alertsChanged;
    case Labels:
        return m_namesChanged || m_labelsChanged;
    default:
        return true;
    }
}

double DeviceTableModel::numericKey(const Entry &entry, int column) const
{
    const DeviceOverview &row = entry.row;
    switch (column) {
    case Status:
        return entry.online ? 1 : 0;
    case LastSeen:
        return double(row.device.lastSeen);
    case Lost:
        return lostPercent(row.device);
    case Alerts:
        if (const DeviceAlerts *alerts = alertsOf(entry))
            return alerts->worst * 100000.0 + alerts->count;
        return 0;
    case Heartbeat:
        return heartbeatKey(entry);
    default:
        break;
    }
    if (row.latestTs <= 0)
        return -1.0;
    switch (column) {
    case Cpu:
        return row.system.cpuPercent;
    case Memory:
        return row.system.memoryPercent();
    case Disk:
        return row.system.diskPercent();
    case Load1:
        return row.system.load1;
    case Load5:
        return row.system.load5;
    case Load15:
        return row.system.load15;
    default:
        return double(row.system.uptimeSeconds);
    }
}

bool DeviceTableModel::lessThan(int leftRow, int rightRow, int column) const
{
    if (column != Hostname && column != DeviceId && column != Uuid && column != Labels) {
        // Numbers: one key per row, computed once per refresh, so that a sort
        // of ten thousand rows compares doubles in one array instead of
        // fetching two large rows for each of its ~140,000 comparisons.
        if (m_sortKeyColumn != column || m_sortKeys.size() != m_entries.size()) {
            m_sortKeys.resize(m_entries.size());
            for (std::size_t i = 0; i < m_entries.size(); ++i)
                m_sortKeys[i] = numericKey(m_entries[i], column);
            m_sortKeyColumn = column;
        }
        return m_sortKeys[std::size_t(leftRow)] < m_sortKeys[std::size_t(rightRow)];
    }
    // Text: case-folded once per refresh, then compared as plain strings.
    if (m_sortKeyColumn != column || m_sortTexts.size() != m_entries.size()) {
        m_sortTexts.resize(m_entries.size());
        for (std::size_t i = 0; i < m_entries.size(); ++i) {
            const DeviceOverview &row = m_entries[i].row;
            const DeviceSnapshot &d = row.device;
            switch (column) {
            case Hostname:
                m_sortTexts[i]
                    = (row.displayName.isEmpty() ? d.hostname : row.displayName).toCaseFolded();
                break;
            case DeviceId:
                m_sortTexts[i] = d.deviceId.toCaseFolded();
                break;
            case Labels:
                m_sortTexts[i] = m_entries[i].labelsText.toCaseFolded();
                break;
            default:
                m_sortTexts[i] = d.uuid;
                break;
            }
        }
        m_sortKeyColumn = column;
    }
    return m_sortTexts[std::size_t(leftRow)] < m_sortTexts[std::size_t(rightRow)];
}

QVariant DeviceTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char *const names[ColumnCount] = {QT_TR_NOOP("Status"), QT_TR_NOOP("Name"),
        QT_TR_NOOP("Device ID"), QT_TR_NOOP("UUID"), QT_TR_NOOP("CPU"), QT_TR_NOOP("Memory"),
        QT_TR_NOOP("Disk"), QT_TR_NOOP("Load 1"), QT_TR_NOOP("Load 5"), QT_TR_NOOP("Load 15"),
        QT_TR_NOOP("Uptime"), QT_TR_NOOP("Last seen"), QT_TR_NOOP("Lost"), QT_TR_NOOP("Alerts"),
        QT_TR_NOOP("Heartbeat"), QT_TR_NOOP("Labels")};
    if (section < 0 || section >= ColumnCount)
        return {};
    return tr(names[section]);
}

const DeviceTableModel::DeviceAlerts *DeviceTableModel::alertsOf(const Entry &entry) const
{
    if (m_alerts.isEmpty())
        return nullptr;
    const auto it = m_alerts.constFind(entry.row.device.uuid);
    return it == m_alerts.cend() ? nullptr : &*it;
}

void DeviceTableModel::setFiring(const QList<AlertService::Firing> &firing)
{
    // The column each rule's metric colours.
    static const QHash<QString, int> columns = {{QStringLiteral("offline"), Status},
        {QStringLiteral("cpu_percent"), Cpu}, {QStringLiteral("memory_percent"), Memory},
        {QStringLiteral("memory_used_kb"), Memory}, {QStringLiteral("disk_percent"), Disk},
        {QStringLiteral("disk_used_kb"), Disk}, {QStringLiteral("disk_available_kb"), Disk},
        {QStringLiteral("load_1"), Load1}, {QStringLiteral("load_5"), Load5},
        {QStringLiteral("load_15"), Load15}, {QStringLiteral("uptime_seconds"), Uptime},
        {QStringLiteral("report_loss_percent"), Lost}};
    QHash<QString, DeviceAlerts> alerts;
    for (const AlertService::Firing &alert : firing) {
        DeviceAlerts &device = alerts[alert.uuid];
        const int severity = alert.severity == Severity::Critical ? 2 : 1;
        device.worst = std::max(device.worst, severity);
        ++device.count;
        device.summaries << alert.summary;
        const int column = columns.value(alert.metric, -1);
        if (column >= 0)
            device.cells[column] = std::max(device.cells.value(column), severity);
    }
    m_alerts = std::move(alerts);
    m_alertsPending = true;
    m_sortKeyColumn = -1;
    if (!m_entries.empty())
        emit dataChanged(index(0, 0), index(int(m_entries.size()) - 1, ColumnCount - 1));
}

} // namespace dmr::console
