// SPDX-License-Identifier: MIT
#include "gui/RulesDialog.h"

#include "gui/RuleForm.h"
#include "gui/RuleTableModel.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace dmr::console {

RulesDialog::RulesDialog(ConsoleService *service, QWidget *parent)
    : QDialog(parent)
    , m_client(service)
    , m_model(new RuleTableModel(this))
    , m_table(new QTableView(this))
    , m_form(new RuleForm(this))
    , m_status(new QLabel(this))
    , m_new(new QPushButton(tr("&New rule"), this))
    , m_save(new QPushButton(tr("&Save rule"), this))
    , m_delete(new QPushButton(tr("&Delete rule…"), this))
{
    setWindowTitle(tr("Alert rules"));
    resize(960, 640);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        [this](const QModelIndex &current) {
            if (current.isValid())
                m_form->setRule(m_model->rule(current.row()));
        });
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_save->setDefault(true);
    connect(m_new, &QPushButton::clicked, this, &RulesDialog::newRule);
    connect(m_save, &QPushButton::clicked, this, &RulesDialog::save);
    connect(m_delete, &QPushButton::clicked, this, &RulesDialog::removeRule);
    auto *close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_new);
    buttons->addWidget(m_save);
    buttons->addWidget(m_delete);
    buttons->addStretch(1);
    buttons->addWidget(close);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_form);
    layout->addWidget(m_status);
    layout->addLayout(buttons);
    newRule();
    refresh();
}

QMessageBox *RulesDialog::confirmation() const
{
    return m_confirmation;
}

void RulesDialog::refresh(qint64 select)
{
    m_client.get(
        {QStringLiteral("rules")}, this, [this, select](const AlertClient::Answer &answer) {
            if (!answer.ok()) {
                showError(tr("Cannot read the rules: %1").arg(answer.error));
            } else {
                // The form keeps what is being typed unless a rule is to be shown.
                const qint64 shown = select > 0 ? select : m_form->ruleId();
                m_model->setRules(answer.json.toArray());
                const int row = m_model->rowOf(shown);
                if (row >= 0)
                    showRow(row);
                else if (m_form->ruleId() > 0)
                    newRule(); // the rule shown is gone
            }
            emit answered();
        });
}

void RulesDialog::showRow(int row)
{
    m_table->selectionModel()->setCurrentIndex(
        m_model->index(row, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(m_model->index(row, 0));
    // currentRowChanged does not fire when the same row is current again.
    m_form->setRule(m_model->rule(row));
    m_delete->setEnabled(true);
}

void RulesDialog::newRule()
{
    m_table->clearSelection();
    m_table->selectionModel()->setCurrentIndex({}, QItemSelectionModel::NoUpdate);
    m_form->setRule({});
    m_delete->setEnabled(false);
    m_form->nameEdit()->setFocus();
}

void RulesDialog::save()
{
    const qint64 id = m_form->ruleId();
    const QJsonObject body = m_form->body();
    const QString name = body.value(QLatin1String("name")).toString();
    setBusy(true);
    showInfo(id > 0 ? tr("Saving rule %1…").arg(id) : tr("Creating the rule…"));
    const QStringList path = id > 0 ? QStringList {QStringLiteral("rules"), QString::number(id)}
                                    : QStringList {QStringLiteral("rules")};
    m_client.send(id > 0 ? QByteArrayLiteral("PUT") : QByteArrayLiteral("POST"), path, body, this,
        [this, id, name](const AlertClient::Answer &answer) {
            setBusy(false);
            if (!answer.ok()) {
                // The form keeps what was typed, to be corrected.
                showError(tr("The rule was not saved: %1").arg(answer.error));
                emit answered();
                return;
            }
            const qint64 saved = qint64(answer.json[QLatin1String("id")].toDouble());
            showInfo(
                id > 0 ? tr("Rule “%1” saved.").arg(name) : tr("Rule “%1” created.").arg(name));
            refresh(saved);
        });
}

void RulesDialog::removeRule()
{
    const qint64 id = m_form->ruleId();
    if (id <= 0 || (m_confirmation && m_confirmation->isVisible()))
        return;
    const QString name = m_model->rule(m_model->rowOf(id)).value(QLatin1String("name")).toString();
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Delete rule"),
        tr("Delete the rule “%1”?").arg(name), QMessageBox::NoButton, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setInformativeText(tr("Alerts it raised that still fire end now."));
    QPushButton *confirm = box->addButton(tr("Delete"), QMessageBox::DestructiveRole);
    box->setDefaultButton(box->addButton(QMessageBox::Cancel));
    connect(
        box, &QMessageBox::buttonClicked, this, [this, id, name, confirm](QAbstractButton *button) {
            if (button != confirm)
                return;
            setBusy(true);
            showInfo(tr("Deleting rule “%1”…").arg(name));
            m_client.send(QByteArrayLiteral("DELETE"),
                {QStringLiteral("rules"), QString::number(id)}, {}, this,
                [this, name](const AlertClient::Answer &answer) {
                    setBusy(false);
                    if (!answer.ok()) {
                        showError(tr("The rule was not deleted: %1").arg(answer.error));
                        emit answered();
                        return;
                    }
                    showInfo(tr("Rule “%1” deleted.").arg(name));
                    newRule();
                    refresh();
                });
        });
    m_confirmation = box;
    box->open();
}

void RulesDialog::setBusy(bool busy)
{
    // One change at a time: a second click must not create the rule twice.
    m_save->setEnabled(!busy);
    m_new->setEnabled(!busy);
    m_delete->setEnabled(!busy && m_form->ruleId() > 0);
}

void RulesDialog::showError(const QString &text)
{
    m_status->setStyleSheet(QStringLiteral("QLabel { color: #c0392b; }"));
    m_status->setText(text);
}

void RulesDialog::showInfo(const QString &text)
{
    m_status->setStyleSheet(QString());
    m_status->setText(text);
}

} // namespace dmr::console
