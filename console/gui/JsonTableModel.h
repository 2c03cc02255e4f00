// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <utility>

namespace dmr::console {

// A REST list (an array of objects) as a table: one row an object, one
// column a key of it, shown as text; ISO times in local time, booleans as
// yes or no, null as "never" or blank. Replaced whole at each answer: the
// accounts dialog's users, tokens and audit log are short lists.
class JsonTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    struct Column
    {
        Column(QString key, QString title, QString whenNull = QString())
            : key(std::move(key))
            , title(std::move(title))
            , whenNull(std::move(whenNull))
        { }
        QString key;
        QString title;
        QString whenNull; // shown for null
    };
    enum Role {
        ObjectRole = Qt::UserRole + 1, // the row's whole object (QJsonObject)
    };

    explicit JsonTableModel(QList<Column> columns, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setRows(const QJsonArray &rows);
    QJsonObject row(int row) const { return m_rows.value(row); }

private:
    QList<Column> m_columns;
    QList<QJsonObject> m_rows;
};

} // namespace dmr::console
