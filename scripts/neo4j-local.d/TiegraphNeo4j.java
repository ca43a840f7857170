/*
 * Launcher for a local Neo4j Community server, used by scripts/neo4j-local.
 *
 * Runs Neo4j embedded (DatabaseManagementServiceBuilder) with its Bolt connector on, so the
 * official drivers reach it at bolt://HOST:PORT exactly as they reach a real server. Compiled and
 * run by the script against the jars from Maven Central; no Docker, no Neo4j distribution.
 *
 * Usage (the script passes all of these):
 *   java ... TiegraphNeo4j --home DIR --host HOST --port PORT --password PW \
 *        [--pagecache 256m] [--tx-total 640m] [--tx-max 512m]
 *
 * Files it keeps in DIR besides the database itself:
 *   neo4j.pid    its own pid, written first thing (the script stops exactly this process)
 *   neo4j.ready  written only once Bolt listens, the default database is available and the
 *                password is set; removed again on shutdown
 *
 * Logs go to stdout/stderr, which the script redirects to DIR/neo4j.log.
 */

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

public final class TiegraphNeo4j {
    private static final String USER = "neo4j";

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = parseArgs(argv);
        Path home = Path.of(require(args, "home")).toAbsolutePath().normalize();
        String host = require(args, "host");
        int port = Integer.parseInt(require(args, "port"));
        String password = require(args, "password");
        long pagecache = parseBytes(args.getOrDefault("pagecache", "256m"));
        // One LinkedIn import (issue 8) is one transaction: 30,000 connections need ~330 MiB of
        // transaction memory at commit (~11 KiB per connection), so one transaction may use
        // 512 MiB; all together stay under the default 1 GiB heap with room for Neo4j itself.
        long txTotal = parseBytes(args.getOrDefault("tx-total", "640m"));
        long txMax = parseBytes(args.getOrDefault("tx-max", "512m"));

        Path pidFile = home.resolve("neo4j.pid");
        Path readyFile = home.resolve("neo4j.ready");
        Files.createDirectories(home);
        Files.deleteIfExists(readyFile);
        // Written by the JVM itself so the pid is this process whatever wrapper (nohup, setsid)
        // started it.
        writeAtomically(pidFile, ProcessHandle.current().pid() + "\n");
        log("starting Neo4j in " + home + ", Bolt on " + host + ":" + port);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                // Neo4j's own user log (startup, errors) into our log file.
                .setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                // Auth on, as on every real server (compose, Aura): the service is exercised
                // with credentials, and a client sending wrong ones fails here too.
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                // Small, explicit memory so tests don't fight the service for RAM. Heap is the
                // JVM's -Xmx, set by the script.
                .setConfig(GraphDatabaseSettings.pagecache_memory, pagecache)
                .setConfig(GraphDatabaseSettings.memory_transaction_global_max_size, txTotal)
                .setConfig(GraphDatabaseSettings.memory_transaction_max_size, txMax)
                // Transaction logs: the default preallocates 256 MiB files and keeps two days
                // of them; a throwaway test database needs neither.
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, 16L * 1024 * 1024)
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "2 files")
                // No usage reporting: this machine has no internet anyway.
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Bolt's netty event loops otherwise wait out a 5 s quiet period, twice, on
                // every shutdown. Internal settings: fine for a throwaway local server on a
                // pinned version.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(5))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM (scripts/neo4j-local stop) -> clean shutdown, so the next start needs no
        // recovery.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log("shutting down");
            try {
                Files.deleteIfExists(readyFile);
            } catch (IOException ignored) {
                // best effort; the script removes it too
            }
            dbms.shutdown();
            log("shut down cleanly");
            stopped.countDown();
        }, "tiegraph-neo4j-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!db.isAvailable(TimeUnit.MINUTES.toMillis(2))) {
            log("database " + db.databaseName() + " did not become available");
            System.exit(1);
        }
        setPassword(dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME), password);

        writeAtomically(readyFile, "bolt://" + host + ":" + port + "\n");
        log("ready: bolt://" + host + ":" + port + " (user " + USER + ")");
        stopped.await();
    }

    /**
     * Give the built-in user a known password. A fresh DBMS creates "neo4j" with password
     * "neo4j" and "change required", which no driver can use. Transactions through the embedded
     * API run with full rights, so this needs no login. Done on every start: it also resets a
     * password someone changed, and the store's existing user is reused.
     */
    private static void setPassword(GraphDatabaseService system, String password) {
        try {
            system.executeTransactionally(
                    "ALTER USER " + USER + " SET PLAINTEXT PASSWORD $pw CHANGE NOT REQUIRED",
                    Map.of("pw", password));
            log("password of user " + USER + " set");
        } catch (RuntimeException e) {
            // Neo4j refuses to "change" a password to the one it already has; that is the
            // normal case on every start after the first.
            if (String.valueOf(rootMessage(e)).contains("cannot be the same")) {
                log("password of user " + USER + " already set");
            } else {
                throw e;
            }
        }
    }

    private static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append('\n');
        }
        return sb.toString();
    }

    private static Map<String, String> parseArgs(String[] argv) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("bad argument: " + argv[i]);
            }
            out.put(argv[i].substring(2), argv[++i]);
        }
        return out;
    }

    private static String require(Map<String, String> args, String name) {
        String v = args.get(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return v;
    }

    /** "256m", "1g", "1048576" -> bytes. */
    private static long parseBytes(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        long mult = 1;
        char last = v.charAt(v.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            mult = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            v = v.substring(0, v.length() - 1);
        }
        return Long.parseLong(v) * mult;
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void log(String msg) {
        System.out.println(Instant.now() + " [tiegraph-neo4j] " + msg);
        System.out.flush();
    }
}
