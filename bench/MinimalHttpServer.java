import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The ceiling for the KV read benchmark: the JDK's own HTTP server answering every request with a
 * fixed JSON body of about the size of a KV read: virtual threads where the JDK has them (21+),
 * else a 64-thread pool. Run: java -Dsun.net.httpserver.nodelay=true bench/MinimalHttpServer.java PORT
 * (without nodelay, Nagle and delayed ACKs cap it at about 1,500 requests/s).
 */
public class MinimalHttpServer {
    public static void main(String[] args) throws Exception {
        byte[] body = ("{\"request_id\":\"00000000-0000-4000-8000-000000000000\",\"lease_id\":\"\",\"renewable\":false,"
                + "\"lease_duration\":0,\"data\":{\"data\":{\"password\":\"" + "x".repeat(150) + "\"},\"metadata\":"
                + "{\"version\":1}},\"wrap_info\":null,\"warnings\":null,\"auth\":null}").getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 1024);
        java.util.concurrent.Executor executor;
        try {
            executor = (java.util.concurrent.Executor) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            executor = Executors.newFixedThreadPool(64);
        }
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        System.out.println("listening on " + args[0]);
    }
}
