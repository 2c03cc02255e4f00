// SPDX-License-Identifier: MIT
#include "gui/RuleTableModel.h"

#include "gui/HumanFormat.h"

#include <QStringList>
#include <cmath>

namespace dmr::console {

namespace {

// Thresholds as typed: 90, 2.5, 125000000 (bytes/s), never "1.25e+08".
QString threshold(double value)
{
    return QString::number(value, 'g', 15);
}

} // namespace

RuleTableModel::RuleTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int RuleTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rules.size());
}

int RuleTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RuleTableModel::scopeText(const QJsonObject &rule)
{
    QStringList parts;
    const QString device = rule.value(QLatin1String("device")).toString();
    if (!device.isEmpty())
        parts << tr("device %1").arg(device);
    const QJsonObject labels = rule.value(QLatin1String("labels")).toObject();
    if (!labels.isEmpty()) {
        QStringList pairs;
        for (auto it = labels.constBegin(); it != labels.constEnd(); ++it)
            pairs << it.key() + QLatin1Char('=') + it.value().toString();
        parts << tr("labels %1").arg(pairs.join(QLatin1Char(',')));
    }
    return parts.isEmpty() ? tr("every device") : parts.join(QStringLiteral(", "));
}

QVariant RuleTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rules.size())
        return {};
    const QJsonObject &rule = m_rules.at(index.row());
    if (role == IdRole)
        return qint64(rule.value(QLatin1String("id")).toDouble());
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    // An offline rule has no value to compare: its thresholds mean nothing.
    const bool offline = rule.value(QLatin1String("metric")).toString() == QLatin1String("offline");
    switch (index.column()) {
    case Name:
        return rule.value(QLatin1String("name")).toString();
    case Metric:
        return rule.value(QLatin1String("metric")).toString();
    case Comparison:
        if (offline)
            return QString();
        return rule.value(QLatin1String("comparison")).toString() == QLatin1String("<")
            ? tr("below (<)")
            : tr("above (>)");
    case Raise:
        return offline ? QString() : threshold(rule.value(QLatin1String("raise")).toDouble());
    case Clear:
        return offline ? QString() : threshold(rule.value(QLatin1String("clear")).toDouble());
    case For:
        return HumanFormat::duration(
            quint64(std::llround(rule.value(QLatin1String("for_seconds")).toDouble())));
    case Severity:
        return rule.value(QLatin1String("severity")).toString();
    case Scope:
        return scopeText(rule);
    case Enabled:
        return rule.value(QLatin1String("enabled")).toBool() ? tr("yes") : tr("no");
    default:
        return {};
    }
}

QVariant RuleTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Name");
    case Metric:
        return tr("Metric");
    case Comparison:
        return tr("Fires when");
    case Raise:
        return tr("Raise at");
    case Clear:
        return tr("Clear at");
    case For:
        return tr("For");
    case Severity:
        return tr("Severity");
    case Scope:
        return tr("Applies to");
    case Enabled:
        return tr("Enabled");
    default:
        return {};
    }
}

void RuleTableModel::setRules(const QJsonArray &rules)
{
    beginResetModel();
    m_rules.clear();
    m_rules.reserve(rules.size());
    for (const QJsonValue &rule : rules)
        m_rules.append(rule.toObject());
    endResetModel();
}

QJsonObject RuleTableModel::rule(int row) const
{
    return m_rules.value(row);
}

int RuleTableModel::rowOf(qint64 id) const
{
    for (int row = 0; row < m_rules.size(); ++row) {
        if (qint64(m_rules.at(row).value(QLatin1String("id")).toDouble()) == id)
            return row;
    }
    return -1;
}

} // namespace dmr::console
