package io.custos.broker.audit;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * {@code custos.audit.devices.<name>}: an audit device declared in the server configuration
 * (devices cannot be created through the API). Only {@code type: file} exists: one JSON line per
 * request and per response, hash-chained.
 */
@EachProperty("custos.audit.devices")
public class AuditDeviceConfiguration {
    private final String name;
    private String type = "file";
    private String path;
    private String fsync = "interval";

    public AuditDeviceConfiguration(@Parameter String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }

    @Bindable(defaultValue = "file")
    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    /** {@code always}, {@code interval} (default: at most once a second) or {@code never}. */
    @Bindable(defaultValue = "interval")
    public String getFsync() {
        return fsync;
    }

    public void setFsync(String fsync) {
        this.fsync = fsync;
    }
}
