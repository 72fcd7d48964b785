package io.custos.gotemplate;

import java.util.List;

/**
 * A function templates can call by name (Go's {@code FuncMap} entry). It receives the evaluated
 * arguments (the piped value last) and returns a value; throwing reports
 * {@code error calling NAME: message} with the template position. Functions check their own
 * arity and argument types.
 */
@FunctionalInterface
public interface TemplateFunction {
    Object call(List<Object> args) throws Exception;
}
