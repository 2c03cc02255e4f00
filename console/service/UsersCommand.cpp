// SPDX-License-Identifier: MIT
#include "service/UsersCommand.h"

#include "auth/AccountService.h"
#include "auth/AccountStore.h"
#include "config/ConsoleConfig.h"
#include "store/Database.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>
#include <iostream>
#include <string>
#include <termios.h>
#include <unistd.h>

namespace dmr::console {

namespace {

int usage()
{
    std::fputs("Usage: metrics-console users add NAME [--role viewer|operator|admin] [--db PATH]\n"
               "       metrics-console users list [--db PATH]\n"
               "       metrics-console users delete NAME [--db PATH]\n"
               "       metrics-console users passwd NAME [--db PATH]\n"
               "       metrics-console users role NAME viewer|operator|admin [--db PATH]\n"
               "       metrics-console users token NAME --name WHAT [--role R] "
               "[--expires-days N] [--db PATH]\n"
               "       metrics-console users revoke TOKEN_ID [--db PATH]\n"
               "A password is read from a prompt, or from the first line of standard input when "
               "that is not a terminal.\n",
        stderr);
    return 2;
}

int fail(const QString &message)
{
    std::fprintf(stderr, "metrics-console users: %s\n", qPrintable(message));
    return 1;
}

std::optional<QString> readLine(bool echo)
{
    termios saved {};
    const bool terminal = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (terminal && !echo) {
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    const bool ok = bool(std::getline(std::cin, line));
    if (terminal && !echo) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        std::fputc('\n', stderr);
    }
    if (!ok)
        return std::nullopt;
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    return QString::fromStdString(line);
}

// From a prompt, twice, or the first line of stdin (scripts, containers).
std::optional<QString> readPassword(const QString &name)
{
    if (!::isatty(STDIN_FILENO))
        return readLine(false);
    std::fprintf(stderr, "Password for %s: ", qPrintable(name));
    const std::optional<QString> first = readLine(false);
    if (!first)
        return std::nullopt;
    std::fprintf(stderr, "Again: ");
    const std::optional<QString> second = readLine(false);
    if (!second || *second != *first) {
        std::fputs("metrics-console users: the passwords differ\n", stderr);
        return std::nullopt;
    }
    return first;
}

// Takes `--flag VALUE` out of the arguments.
QString takeOption(QStringList &arguments, const QString &flag)
{
    const qsizetype at = arguments.indexOf(flag);
    if (at < 0 || at + 1 >= arguments.size())
        return QString();
    const QString value = arguments.at(at + 1);
    arguments.remove(at, 2);
    return value;
}

int answer(const AccountReply &reply, const char *done)
{
    if (reply.status >= 400)
        return fail(
            QJsonDocument::fromJson(reply.json).object().value(QLatin1String("error")).toString());
    if (done)
        std::fprintf(stderr, "%s\n", done);
    return 0;
}

} // namespace

int runUsersCommand(const QStringList &arguments, const QProcessEnvironment &environment)
{
    // arguments: program, "users", verb, operands..., options...
    const QString verb = arguments.value(2);
    QStringList rest = arguments.mid(3);
    QString role = takeOption(rest, QStringLiteral("--role"));
    const QString tokenName = takeOption(rest, QStringLiteral("--name"));
    const QString expiresDays = takeOption(rest, QStringLiteral("--expires-days"));
    QStringList operands;
    while (!rest.isEmpty() && !rest.first().startsWith(QLatin1Char('-')))
        operands.append(rest.takeFirst());
    static const QHash<QString, int> wanted = {{QStringLiteral("add"), 1},
        {QStringLiteral("list"), 0}, {QStringLiteral("delete"), 1}, {QStringLiteral("passwd"), 1},
        {QStringLiteral("role"), 2}, {QStringLiteral("token"), 1}, {QStringLiteral("revoke"), 1}};
    if (!wanted.contains(verb) || operands.size() != wanted.value(verb))
        return usage();

    int exitCode = 0;
    const std::optional<ConsoleConfig> config = ConsoleConfig::parseForCommand(
        QStringList {arguments.value(0)} + rest, environment, "users", &exitCode);
    if (!config)
        return exitCode;
    Database database(QStringLiteral("users-command"));
    QString error;
    if (!database.open(config->database, &error) || !database.migrate(&error))
        return fail(error);
    AccountStore store(database.sql());
    AccountService service(&store);
    Principal local;
    local.kind = Principal::Kind::Local;
    local.name = QStringLiteral("cli:%1").arg(
        environment.value(QStringLiteral("USER"), QStringLiteral("root")));
    local.role = Role::Admin;
    const QString address = QStringLiteral("local");
    auto call = [&](const QByteArray &method, const QStringList &path, const QJsonObject &body) {
        AccountRequest request;
        request.method = method;
        request.path = path;
        request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
        request.principal = local;
        request.address = address;
        return service.handle(request);
    };

    const QString name = operands.value(0);
    if (verb == QLatin1String("add")) {
        const std::optional<Role> parsed
            = parseRole(role.isEmpty() ? QStringLiteral("viewer") : role);
        if (!parsed)
            return fail(QStringLiteral("--role is %1").arg(roleChoices()));
        const std::optional<QString> password = readPassword(name);
        if (!password)
            return fail(QStringLiteral("no password given"));
        const AccountReply reply = service.addUser(local, address, name, *password, *parsed);
        return answer(reply,
            qPrintable(QStringLiteral("User %1 (%2) added to %3.")
                           .arg(name, roleName(*parsed), config->databaseShown())));
    }
    if (verb == QLatin1String("list")) {
        const auto users = store.users(&error);
        if (!users)
            return fail(error);
        std::printf("%-24s %-9s %-20s\n", "name", "role", "last login");
        for (const AccountStore::User &user : *users) {
            std::printf("%-24s %-9s %-20s\n", qPrintable(user.name),
                qPrintable(roleName(user.role)),
                user.lastLogin > 0 ? qPrintable(
                    QDateTime::fromMSecsSinceEpoch(user.lastLogin, Qt::UTC).toString(Qt::ISODate))
                                   : "never");
        }
        return 0;
    }
    if (verb == QLatin1String("delete"))
        return answer(call("DELETE", {QStringLiteral("users"), name}, {}), "Deleted.");
    if (verb == QLatin1String("passwd")) {
        const std::optional<QString> password = readPassword(name);
        if (!password)
            return fail(QStringLiteral("no password given"));
        return answer(
            call("PUT", {QStringLiteral("users"), name}, {{QStringLiteral("password"), *password}}),
            "Password changed; the user's web sessions are ended.");
    }
    if (verb == QLatin1String("role"))
        return answer(call("PUT", {QStringLiteral("users"), name},
                          {{QStringLiteral("role"), operands.value(1)}}),
            "Role changed.");
    if (verb == QLatin1String("revoke"))
        return answer(call("DELETE", {QStringLiteral("tokens"), name}, {}), "Revoked.");
    // token
    QJsonObject body {{QStringLiteral("user"), name}, {QStringLiteral("name"), tokenName}};
    if (!role.isEmpty())
        body.insert(QStringLiteral("role"), role);
    if (!expiresDays.isEmpty())
        body.insert(QStringLiteral("expires_in_days"), expiresDays.toDouble());
    const AccountReply reply = call("POST", {QStringLiteral("tokens")}, body);
    if (reply.status >= 400)
        return answer(reply, nullptr);
    const QJsonObject token = QJsonDocument::fromJson(reply.json).object();
    // The token alone on stdout, for scripts; what it is on stderr.
    std::fprintf(stderr, "Token %lld \"%s\" for %s (%s%s). It is shown this once; keep it.\n",
        qlonglong(token.value(QLatin1String("id")).toDouble()), qPrintable(tokenName),
        qPrintable(name), qPrintable(token.value(QLatin1String("role")).toString()),
        token.value(QLatin1String("expires_at")).isNull()
            ? ", no expiry"
            : qPrintable(QStringLiteral(", expires ")
                + token.value(QLatin1String("expires_at")).toString()));
    std::printf("%s\n", qPrintable(token.value(QLatin1String("token")).toString()));
    return 0;
}

} // namespace dmr::console
