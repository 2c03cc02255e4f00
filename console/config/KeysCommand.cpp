// SPDX-License-Identifier: MIT
#include "config/KeysCommand.h"

#include "config/ConsoleConfig.h"
#include "ingest/KeyStore.h"

#include <cstdio>

namespace dmr::console {

namespace {

int usage()
{
    std::fputs("Usage: metrics-console keys add DEVICE_ID [--security sign|encrypt] "
               "[--key-file PATH]\n"
               "       metrics-console keys list [--key-file PATH]\n",
        stderr);
    return 2;
}

} // namespace

int runKeysCommand(const QStringList &arguments, const QProcessEnvironment &environment)
{
    // arguments: program, "keys", verb, [DEVICE_ID], options...
    const QString verb = arguments.value(2);
    const bool add = verb == QLatin1String("add");
    if (!add && verb != QLatin1String("list"))
        return usage();
    if (add && (arguments.size() < 4 || arguments[3].startsWith(QLatin1Char('-'))))
        return usage();
    QStringList options = {arguments.value(0)};
    options += arguments.mid(add ? 4 : 3);

    int exitCode = 0;
    const std::optional<ConsoleConfig> config
        = ConsoleConfig::parseForCommand(options, environment, "keys", &exitCode);
    if (!config)
        return exitCode;
    QString error;
    KeyStore store;
    if (!add) {
        if (!store.load(config->keyFile, &error)) {
            std::fprintf(stderr, "metrics-console keys: %s\n", qPrintable(error));
            return 1;
        }
        std::printf("%d device keys in %s\n", store.size(), qPrintable(config->keyFile));
        return 0;
    }
    const QString deviceId = arguments[3];
    const std::optional<KeyStore::Entry> entry
        = store.add(config->keyFile, deviceId, config->security, &error);
    if (!entry) {
        std::fprintf(stderr, "metrics-console keys: %s\n", qPrintable(error));
        return 1;
    }
    // The key line alone on stdout, for scripts; how to use it on stderr.
    std::fprintf(stderr,
        "Key %u for device %s (%s) saved in %s (mode 0600).\n"
        "On the device, put the next line in the agent's key file (for example\n"
        "/etc/metrics-agent/key, mode 0600) and set METRICS_KEY_FILE to that file\n"
        "and METRICS_SECURITY=%s in the agent's settings. A running console reads the\n"
        "key file when it starts: restart it.\n",
        entry->key.id, qPrintable(deviceId), dmr::securityName(entry->level),
        qPrintable(config->keyFile), dmr::securityName(entry->level));
    std::printf("%s\n", qPrintable(KeyStore::agentLine(*entry)));
    return 0;
}

} // namespace dmr::console
