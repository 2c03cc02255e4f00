// SPDX-License-Identifier: MIT
#include "gui/AlertTableModel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QFont>
#include <QHash>
#include <QLocale>
#include <QSet>

namespace dmr::console {

namespace {

qint64 idOf(const QJsonObject &alert)
{
    return qint64(alert.value(QLatin1String("id")).toDouble());
}

bool firing(const QJsonObject &alert)
{
    return alert.value(QLatin1String("state")).toString() == QLatin1String("firing");
}

// The API's ISO 8601 UTC time in the desk's local time; empty for null.
QString localTime(const QJsonValue &iso)
{
    const QDateTime time = QDateTime::fromString(iso.toString(), Qt::ISODateWithMs);
    return time.isValid() ? QLocale().toString(time.toLocalTime(), QLocale::ShortFormat)
                          : QString();
}

} // namespace

AlertTableModel::AlertTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int AlertTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_alerts.size());
}

int AlertTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AlertTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_alerts.size())
        return {};
    const QJsonObject &alert = m_alerts.at(index.row());
    switch (role) {
    case IdRole:
        return idOf(alert);
    case FiringRole:
        return firing(alert);
    case Qt::ForegroundRole:
        // What fires stands out, in the window's colours of severity.
        if (index.column() == Severity && firing(alert))
            return QBrush(
                alert.value(QLatin1String("severity")).toString() == QLatin1String("critical")
                    ? QColor(0xc0, 0x39, 0x2b)
                    : QColor(0xd6, 0x89, 0x10));
        return {};
    case Qt::FontRole:
        if (index.column() == State && firing(alert)) {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        return {};
    case SortRole:
        switch (index.column()) {
        case Raised:
            return alert.value(QLatin1String("raised_at")).toString();
        case Cleared:
            return alert.value(QLatin1String("cleared_at")).toString();
        case SilencedUntil:
            return alert.value(QLatin1String("silenced_until")).toString();
        case Acknowledged:
            return alert.value(QLatin1String("acknowledged_at")).toString();
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::ToolTipRole:
        if (index.column() == Acknowledged
            && !alert.value(QLatin1String("acknowledged_at")).isNull())
            return tr("Acknowledged by %1 at %2")
                .arg(alert.value(QLatin1String("acknowledged_by")).toString(),
                    localTime(alert.value(QLatin1String("acknowledged_at"))));
        if (index.column() == Summary)
            return alert.value(QLatin1String("summary")).toString();
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    switch (index.column()) {
    case State:
        return firing(alert) ? tr("firing") : tr("resolved");
    case Severity:
        return alert.value(QLatin1String("severity")).toString();
    case Device: {
        const QString name = alert.value(QLatin1String("device_name")).toString();
        const QString interface = alert.value(QLatin1String("interface")).toString();
        const QString device
            = name.isEmpty() ? alert.value(QLatin1String("device")).toString() : name;
        return interface.isEmpty() ? device : device + QStringLiteral(" · ") + interface;
    }
    case Rule: {
        const QString rule = alert.value(QLatin1String("rule")).toString();
        return rule.isEmpty() ? tr("(rule removed)") : rule;
    }
    case Summary:
        return alert.value(QLatin1String("summary")).toString();
    case Raised:
        return localTime(alert.value(QLatin1String("raised_at")));
    case Cleared:
        return localTime(alert.value(QLatin1String("cleared_at")));
    case Acknowledged:
        return alert.value(QLatin1String("acknowledged_at")).isNull()
            ? QString()
            : alert.value(QLatin1String("acknowledged_by")).toString();
    case SilencedUntil:
        return localTime(alert.value(QLatin1String("silenced_until")));
    default:
        return {};
    }
}

QVariant AlertTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case State:
        return tr("State");
    case Severity:
        return tr("Severity");
    case Device:
        return tr("Device");
    case Rule:
        return tr("Rule");
    case Summary:
        return tr("Summary");
    case Raised:
        return tr("Raised");
    case Cleared:
        return tr("Cleared");
    case Acknowledged:
        return tr("Acknowledged by");
    case SilencedUntil:
        return tr("Silenced until");
    default:
        return {};
    }
}

void AlertTableModel::setAlerts(const QJsonArray &alerts, bool firingOnly)
{
    beginResetModel();
    m_firingOnly = firingOnly;
    m_alerts.clear();
    m_alerts.reserve(alerts.size());
    for (const QJsonValue &alert : alerts)
        m_alerts.append(alert.toObject());
    endResetModel();
}

void AlertTableModel::apply(const QJsonArray &changed)
{
    // A storm (a switch dies: a thousand devices go offline) comes as one
    // batch: merged in one pass and shown by one reset, not a row at a time
    // with a search of the list for each.
    if (changed.size() > kRowByRow) {
        QHash<qint64, qsizetype> rowOfId;
        rowOfId.reserve(m_alerts.size());
        for (qsizetype row = 0; row < m_alerts.size(); ++row)
            rowOfId.insert(idOf(m_alerts.at(row)), row);
        QList<QJsonObject> added;
        QSet<qint64> removed;
        for (const QJsonValue &value : changed) {
            const QJsonObject alert = value.toObject();
            const qsizetype row = rowOfId.value(idOf(alert), -1);
            const bool keep = !m_firingOnly || firing(alert);
            if (row >= 0 && keep)
                m_alerts[row] = alert;
            else if (row >= 0)
                removed.insert(idOf(alert));
            else if (keep)
                added.prepend(alert);
        }
        beginResetModel();
        if (!removed.isEmpty())
            m_alerts.removeIf(
                [&](const QJsonObject &alert) { return removed.contains(idOf(alert)); });
        m_alerts = added + m_alerts;
        endResetModel();
        return;
    }
    for (const QJsonValue &value : changed) {
        const QJsonObject alert = value.toObject();
        const int row = rowOf(idOf(alert));
        const bool keep = !m_firingOnly || firing(alert);
        if (row >= 0 && keep) {
            m_alerts[row] = alert;
            emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        } else if (row >= 0) {
            beginRemoveRows({}, row, row);
            m_alerts.removeAt(row);
            endRemoveRows();
        } else if (keep) {
            // Newest first, as the API lists them; a sorting view re-sorts.
            beginInsertRows({}, 0, 0);
            m_alerts.prepend(alert);
            endInsertRows();
        }
    }
}

QJsonObject AlertTableModel::alert(int row) const
{
    return m_alerts.value(row);
}

int AlertTableModel::rowOf(qint64 id) const
{
    for (int row = 0; row < m_alerts.size(); ++row) {
        if (idOf(m_alerts.at(row)) == id)
            return row;
    }
    return -1;
}

} // namespace dmr::console
