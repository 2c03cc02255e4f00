// SPDX-License-Identifier: MIT
#include "gui/AccountsDialog.h"

#include "gui/JsonTableModel.h"
#include "service/ConsoleService.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace dmr::console {

namespace {

const QStringList kRoles
    = {QStringLiteral("viewer"), QStringLiteral("operator"), QStringLiteral("admin")};

QTableView *tableFor(JsonTableModel *model, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->horizontalHeader()->setStretchLastSection(true);
    view->verticalHeader()->hide();
    return view;
}

QComboBox *roleBox(QWidget *parent)
{
    auto *box = new QComboBox(parent);
    box->addItems(kRoles);
    return box;
}

} // namespace

AccountsDialog::AccountsDialog(ConsoleService *service, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_users(new JsonTableModel(
          {{QStringLiteral("name"), tr("Name"), {}}, {QStringLiteral("role"), tr("Role"), {}},
              {QStringLiteral("last_login"), tr("Last sign-in"), tr("never")},
              {QStringLiteral("created_at"), tr("Created"), {}}},
          this))
    , m_tokens(new JsonTableModel(
          {{QStringLiteral("id"), tr("Id"), {}}, {QStringLiteral("name"), tr("Name"), {}},
              {QStringLiteral("user"), tr("User"), {}}, {QStringLiteral("role"), tr("Role"), {}},
              {QStringLiteral("expires_at"), tr("Expires"), tr("never")},
              {QStringLiteral("last_used"), tr("Last used"), tr("never")},
              {QStringLiteral("revoked"), tr("Revoked"), {}}},
          this))
    , m_audit(new JsonTableModel(
          {{QStringLiteral("at"), tr("When"), {}}, {QStringLiteral("user"), tr("Who"), {}},
              {QStringLiteral("action"), tr("What"), {}}, {QStringLiteral("target"), tr("On"), {}},
              {QStringLiteral("address"), tr("From"), {}},
              {QStringLiteral("status"), tr("Result"), {}}},
          this))
{
    setWindowTitle(tr("Users and tokens"));
    auto *tabs = new QTabWidget(this);
    tabs->addTab(usersTab(), tr("&Users"));
    tabs->addTab(tokensTab(), tr("&Tokens"));
    tabs->addTab(auditTab(), tr("&Audit log"));
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setObjectName(QStringLiteral("status"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(
        tr("Who may use the web page and the REST API. This window acts as an admin: it runs "
           "as you, on this machine. Every change is in the audit log."),
        this));
    layout->addWidget(tabs, 1);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    resize(860, 560);
    refresh();
}

QWidget *AccountsDialog::usersTab()
{
    auto *tab = new QWidget(this);
    m_userView = tableFor(m_users, tab);
    m_newName = new QLineEdit(tab);
    m_newName->setObjectName(QStringLiteral("newName"));
    m_newName->setPlaceholderText(tr("letters, digits, . _ @ -"));
    m_newPassword = new QLineEdit(tab);
    m_newPassword->setObjectName(QStringLiteral("newPassword"));
    m_newPassword->setEchoMode(QLineEdit::Password);
    m_newPassword->setPlaceholderText(tr("at least 8 characters"));
    m_newRole = roleBox(tab);
    auto *add = new QPushButton(tr("Add user"), tab);
    add->setObjectName(QStringLiteral("addUser"));
    connect(add, &QPushButton::clicked, this, [this] {
        addUser(m_newName->text().trimmed(), m_newPassword->text(), m_newRole->currentText());
    });
    auto *form = new QFormLayout;
    form->addRow(tr("Name"), m_newName);
    form->addRow(tr("Password"), m_newPassword);
    form->addRow(tr("Role"), m_newRole);
    form->addRow(QString(), add);

    m_changeRole = roleBox(tab);
    auto *role = new QPushButton(tr("Set role"), tab);
    connect(role, &QPushButton::clicked, this, [this] {
        if (!selectedUser().isEmpty())
            setRole(selectedUser(), m_changeRole->currentText());
    });
    m_changePassword = new QLineEdit(tab);
    m_changePassword->setEchoMode(QLineEdit::Password);
    auto *password = new QPushButton(tr("Set password"), tab);
    connect(password, &QPushButton::clicked, this, [this] {
        if (!selectedUser().isEmpty())
            setPassword(selectedUser(), m_changePassword->text());
    });
    auto *remove = new QPushButton(tr("Delete user…"), tab);
    connect(remove, &QPushButton::clicked, this, [this] {
        const QString name = selectedUser();
        if (name.isEmpty())
            return;
        if (QMessageBox::question(this, tr("Delete user"),
                tr("Delete %1, their tokens and their sessions?").arg(name))
            == QMessageBox::Yes)
            deleteUser(name);
    });
    auto *selected = new QFormLayout;
    selected->addRow(tr("Role of the selected user"), m_changeRole);
    selected->addRow(QString(), role);
    selected->addRow(tr("New password"), m_changePassword);
    selected->addRow(QString(), password);
    selected->addRow(QString(), remove);

    auto *forms = new QHBoxLayout;
    forms->addLayout(form, 1);
    forms->addLayout(selected, 1);
    auto *layout = new QVBoxLayout(tab);
    layout->addWidget(m_userView, 1);
    layout->addLayout(forms);
    return tab;
}

QWidget *AccountsDialog::tokensTab()
{
    auto *tab = new QWidget(this);
    m_tokenView = tableFor(m_tokens, tab);
    m_tokenUser = new QComboBox(tab);
    m_tokenName = new QLineEdit(tab);
    m_tokenName->setPlaceholderText(tr("what uses it: prometheus, backup script…"));
    m_tokenRole = roleBox(tab);
    m_tokenDays = new QSpinBox(tab);
    m_tokenDays->setRange(0, 3650);
    m_tokenDays->setSpecialValueText(tr("never"));
    m_tokenDays->setSuffix(tr(" days"));
    m_tokenDays->setValue(90);
    auto *create = new QPushButton(tr("Create token"), tab);
    connect(create, &QPushButton::clicked, this, [this] {
        createToken(m_tokenUser->currentText(), m_tokenName->text().trimmed(),
            m_tokenRole->currentText(), m_tokenDays->value());
    });
    auto *form = new QFormLayout;
    form->addRow(tr("Name"), m_tokenName);
    form->addRow(tr("For user"), m_tokenUser);
    form->addRow(tr("Role (at most the user's)"), m_tokenRole);
    form->addRow(tr("Expires after"), m_tokenDays);
    form->addRow(QString(), create);

    m_secret = new QLineEdit(tab);
    m_secret->setObjectName(QStringLiteral("secret"));
    m_secret->setReadOnly(true);
    m_secretNote
        = new QLabel(tr("Copy the new token now: it is stored hashed and never shown again."), tab);
    auto *copy = new QPushButton(tr("Copy"), tab);
    connect(copy, &QPushButton::clicked, this, [this] {
        if (QClipboard *clipboard = QApplication::clipboard())
            clipboard->setText(m_secret->text());
    });
    auto *secretRow = new QHBoxLayout;
    secretRow->addWidget(m_secret, 1);
    secretRow->addWidget(copy);
    m_secret->hide();
    m_secretNote->hide();
    connect(m_secret, &QLineEdit::textChanged, copy, [this, copy](const QString &text) {
        m_secret->setVisible(!text.isEmpty());
        m_secretNote->setVisible(!text.isEmpty());
        copy->setVisible(!text.isEmpty());
    });
    copy->hide();

    auto *revoke = new QPushButton(tr("Revoke selected token…"), tab);
    connect(revoke, &QPushButton::clicked, this, [this] {
        const qint64 id = selectedToken();
        if (id > 0
            && QMessageBox::question(this, tr("Revoke token"),
                   tr("Revoke token %1? Whatever uses it is refused from now on.").arg(id))
                == QMessageBox::Yes)
            revokeToken(id);
    });
    auto *layout = new QVBoxLayout(tab);
    layout->addWidget(m_tokenView, 1);
    layout->addWidget(revoke, 0, Qt::AlignLeft);
    layout->addLayout(form);
    layout->addWidget(m_secretNote);
    layout->addLayout(secretRow);
    return tab;
}

QWidget *AccountsDialog::auditTab()
{
    auto *tab = new QWidget(this);
    auto *refreshButton = new QPushButton(tr("Refresh"), tab);
    connect(refreshButton, &QPushButton::clicked, this, &AccountsDialog::refresh);
    auto *layout = new QVBoxLayout(tab);
    layout->addWidget(tableFor(m_audit, tab), 1);
    layout->addWidget(refreshButton, 0, Qt::AlignLeft);
    return tab;
}

QString AccountsDialog::shownSecret() const
{
    return m_secret->text();
}

QString AccountsDialog::status() const
{
    return m_status->text();
}

void AccountsDialog::showStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c0392b") : QString());
}

void AccountsDialog::send(
    const QByteArray &method, const QStringList &path, const QJsonObject &body, Ok ok)
{
    AccountRequest request;
    request.method = method;
    request.path = path;
    if (method != "GET")
        request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    m_service->accountRequest(request, this, [this, ok = std::move(ok)](const AccountReply &reply) {
        const QJsonDocument document = QJsonDocument::fromJson(reply.json);
        if (reply.status >= 300) {
            QString message = document.object().value(QLatin1String("error")).toString();
            if (message.isEmpty())
                message = tr("the accounts answered %1").arg(reply.status);
            showStatus(message, true);
            emit failed(message);
            return;
        }
        ok(document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object()));
    });
}

void AccountsDialog::refresh()
{
    m_pendingLists = 3;
    const auto listed = [this](JsonTableModel *model) {
        return [this, model](const QJsonValue &value) {
            model->setRows(value.toArray());
            if (model == m_users) {
                const QString current = m_tokenUser->currentText();
                m_tokenUser->clear();
                for (int row = 0; row < m_users->rowCount(); ++row)
                    m_tokenUser->addItem(m_users->row(row).value(QLatin1String("name")).toString());
                m_tokenUser->setCurrentText(current);
            }
            if (--m_pendingLists == 0)
                emit refreshed();
        };
    };
    send("GET", {QStringLiteral("users")}, {}, listed(m_users));
    send("GET", {QStringLiteral("tokens")}, {}, listed(m_tokens));
    send("GET", {QStringLiteral("audit")}, {}, listed(m_audit));
}

void AccountsDialog::addUser(const QString &name, const QString &password, const QString &role)
{
    send("POST", {QStringLiteral("users")},
        {{QStringLiteral("name"), name}, {QStringLiteral("password"), password},
            {QStringLiteral("role"), role}},
        [this, name](const QJsonValue &) {
            m_newName->clear();
            m_newPassword->clear();
            showStatus(tr("User %1 added.").arg(name), false);
            refresh();
        });
}

void AccountsDialog::setRole(const QString &name, const QString &role)
{
    send("PUT", {QStringLiteral("users"), name}, {{QStringLiteral("role"), role}},
        [this, name, role](const QJsonValue &) {
            showStatus(tr("%1 is %2 now.").arg(name, role), false);
            refresh();
        });
}

void AccountsDialog::setPassword(const QString &name, const QString &password)
{
    send("PUT", {QStringLiteral("users"), name}, {{QStringLiteral("password"), password}},
        [this, name](const QJsonValue &) {
            m_changePassword->clear();
            showStatus(
                tr("Password of %1 changed; their web sessions are ended.").arg(name), false);
            refresh();
        });
}

void AccountsDialog::deleteUser(const QString &name)
{
    send("DELETE", {QStringLiteral("users"), name}, {}, [this, name](const QJsonValue &) {
        showStatus(tr("User %1 deleted.").arg(name), false);
        refresh();
    });
}

void AccountsDialog::createToken(
    const QString &user, const QString &name, const QString &role, int expiresInDays)
{
    QJsonObject body {{QStringLiteral("user"), user}, {QStringLiteral("name"), name},
        {QStringLiteral("role"), role}};
    if (expiresInDays > 0)
        body.insert(QStringLiteral("expires_in_days"), expiresInDays);
    send("POST", {QStringLiteral("tokens")}, body, [this](const QJsonValue &token) {
        m_secret->setText(token[QLatin1String("token")].toString());
        m_tokenName->clear();
        showStatus(tr("Token %1 created.").arg(token[QLatin1String("id")].toInt()), false);
        refresh();
    });
}

void AccountsDialog::revokeToken(qint64 id)
{
    send("DELETE", {QStringLiteral("tokens"), QString::number(id)}, {},
        [this, id](const QJsonValue &) {
            showStatus(tr("Token %1 revoked.").arg(id), false);
            refresh();
        });
}

QString AccountsDialog::selectedUser() const
{
    const QModelIndexList rows = m_userView->selectionModel()->selectedRows();
    return rows.isEmpty()
        ? QString()
        : m_users->row(rows.first().row()).value(QLatin1String("name")).toString();
}

qint64 AccountsDialog::selectedToken() const
{
    const QModelIndexList rows = m_tokenView->selectionModel()->selectedRows();
    return rows.isEmpty()
        ? 0
        : qint64(m_tokens->row(rows.first().row()).value(QLatin1String("id")).toDouble());
}

} // namespace dmr::console
