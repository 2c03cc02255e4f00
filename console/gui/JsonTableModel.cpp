// SPDX-License-Identifier: MIT
#include "gui/JsonTableModel.h"

#include <QDateTime>
#include <QLocale>
#include <QRegularExpression>

namespace dmr::console {

JsonTableModel::JsonTableModel(QList<Column> columns, QObject *parent)
    : QAbstractTableModel(parent)
    , m_columns(std::move(columns))
{ }

int JsonTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int JsonTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant JsonTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const QJsonObject &object = m_rows.at(index.row());
    if (role == ObjectRole)
        return object;
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    const Column &column = m_columns.at(index.column());
    const QJsonValue value = object.value(column.key);
    if (value.isNull() || value.isUndefined())
        return column.whenNull;
    if (value.isBool())
        return value.toBool() ? tr("yes") : tr("no");
    if (value.isDouble())
        return QLocale().toString(value.toDouble(), 'g', 15);
    const QString text = value.toString();
    static const QRegularExpression iso(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d"));
    if (iso.match(text).hasMatch()) {
        const QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
        if (time.isValid())
            return QLocale().toString(time.toLocalTime(), QLocale::ShortFormat);
    }
    return text;
}

QVariant JsonTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0
        || section >= m_columns.size())
        return {};
    return m_columns.at(section).title;
}

void JsonTableModel::setRows(const QJsonArray &rows)
{
    beginResetModel();
    m_rows.clear();
    for (const QJsonValue &value : rows)
        m_rows.append(value.toObject());
    endResetModel();
}

} // namespace dmr::console
