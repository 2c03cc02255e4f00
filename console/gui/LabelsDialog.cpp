// SPDX-License-Identifier: MIT
#include "gui/LabelsDialog.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QPalette>
#include <QPushButton>
#include <QSet>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <functional>

namespace dmr::console {

LabelsDialog::LabelsDialog(
    ConsoleService *service, const QString &uuid, const QString &description, QWidget *parent)
    : QDialog(parent)
    , m_client(service)
    , m_uuid(uuid)
    , m_description(description)
    , m_table(new QTableWidget(0, ColumnCount, this))
    , m_status(new QLabel(tr("Reading the labels…"), this))
    , m_add(new QPushButton(tr("&Add label"), this))
    , m_remove(new QPushButton(tr("&Remove label"), this))
    , m_save(new QPushButton(tr("&Save"), this))
{
    setWindowTitle(tr("Labels"));
    resize(560, 380);
    auto *intro = new QLabel(tr("Labels of %1, for alert rules that target devices by label. "
                                "Those the agent sends (--label) are shown greyed; a label set "
                                "here of the same name wins over the agent's.")
                                 .arg(description),
        this);
    intro->setWordWrap(true);
    m_table->setHorizontalHeaderLabels({tr("Name"), tr("Value"), tr("Set by")});
    m_table->horizontalHeader()->setSectionResizeMode(Value, QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    // Saving before the labels are read would replace them with nothing.
    m_save->setEnabled(false);
    m_add->setEnabled(false);
    m_save->setDefault(true);
    connect(m_add, &QPushButton::clicked, this, &LabelsDialog::addLabel);
    connect(m_remove, &QPushButton::clicked, this, &LabelsDialog::removeSelected);
    connect(m_save, &QPushButton::clicked, this, &LabelsDialog::save);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    // Its accepted() stays unconnected: saving closes the dialog once the
    // service took the labels, not at the click.
    buttons->addButton(m_save, QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *rowButtons = new QHBoxLayout;
    rowButtons->addWidget(m_add);
    rowButtons->addWidget(m_remove);
    rowButtons->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_table, 1);
    layout->addLayout(rowButtons);
    layout->addWidget(m_status);
    layout->addWidget(buttons);

    m_client.get({QStringLiteral("devices"), uuid, QStringLiteral("labels")}, this,
        [this](const AlertClient::Answer &answer) {
            if (!answer.ok()) {
                showError(tr("Cannot read the labels: %1").arg(answer.error));
                emit answered();
                return;
            }
            const QJsonObject all = answer.json[QLatin1String("labels")].toObject();
            const QJsonObject mine = answer.json[QLatin1String("user_labels")].toObject();
            for (auto it = all.constBegin(); it != all.constEnd(); ++it)
                appendRow(it.key(), it.value().toString(), mine.contains(it.key()));
            m_status->clear();
            m_add->setEnabled(true);
            m_save->setEnabled(true);
            emit answered();
        });
}

int LabelsDialog::appendRow(const QString &name, const QString &value, bool editable)
{
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    const QString setBy = editable ? tr("a person") : tr("the agent");
    const QStringList texts = {name, value, setBy};
    for (int column = 0; column < ColumnCount; ++column) {
        auto *item = new QTableWidgetItem(texts.at(column));
        if (!editable || column == SetBy) {
            item->setFlags(item->flags() & ~Qt::ItemIsEditable);
            item->setForeground(palette().brush(QPalette::Disabled, QPalette::Text));
        }
        if (!editable)
            item->setToolTip(tr("Sent by the agent; add a label of the same name to override it."));
        m_table->setItem(row, column, item);
    }
    return row;
}

bool LabelsDialog::editable(int row) const
{
    const QTableWidgetItem *name = m_table->item(row, Name);
    return name && (name->flags() & Qt::ItemIsEditable);
}

int LabelsDialog::addLabel()
{
    const int row = appendRow(QString(), QString(), true);
    m_table->setCurrentCell(row, Name);
    m_table->editItem(m_table->item(row, Name));
    return row;
}

void LabelsDialog::removeSelected()
{
    QList<int> rows;
    const QModelIndexList selected = m_table->selectionModel()->selectedRows();
    for (const QModelIndex &index : selected) {
        if (editable(index.row()))
            rows.append(index.row());
    }
    std::sort(rows.begin(), rows.end(), std::greater<int>());
    for (const int row : rows)
        m_table->removeRow(row);
}

void LabelsDialog::save()
{
    QJsonObject labels;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        if (!editable(row))
            continue;
        const QString name = m_table->item(row, Name)->text().trimmed();
        const QString value = m_table->item(row, Value)->text().trimmed();
        if (name.isEmpty() && value.isEmpty())
            continue; // a row added and left empty
        // What a JSON object cannot say, said here; the rest the service checks.
        if (name.isEmpty())
            return showError(tr("The label of value “%1” needs a name.").arg(value));
        if (labels.contains(name))
            return showError(tr("The label %1 is there twice.").arg(name));
        labels.insert(name, value);
    }
    m_save->setEnabled(false);
    m_status->setStyleSheet(QString());
    m_status->setText(tr("Saving…"));
    m_client.send(QByteArrayLiteral("PUT"),
        {QStringLiteral("devices"), m_uuid, QStringLiteral("labels")},
        {{QStringLiteral("labels"), labels}}, this, [this](const AlertClient::Answer &answer) {
            m_save->setEnabled(true);
            if (!answer.ok()) {
                showError(tr("Not saved: %1").arg(answer.error));
                emit answered();
                return;
            }
            emit changed(tr("Labels of %1 saved").arg(m_description));
            emit answered();
            accept();
        });
}

void LabelsDialog::showError(const QString &text)
{
    m_status->setStyleSheet(QStringLiteral("QLabel { color: #c0392b; }"));
    m_status->setText(text);
}

} // namespace dmr::console
