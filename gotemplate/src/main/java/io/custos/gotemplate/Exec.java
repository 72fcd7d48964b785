package io.custos.gotemplate;

import io.custos.gotemplate.Node.ActionNode;
import io.custos.gotemplate.Node.BoolNode;
import io.custos.gotemplate.Node.BranchNode;
import io.custos.gotemplate.Node.BreakNode;
import io.custos.gotemplate.Node.ChainNode;
import io.custos.gotemplate.Node.CommandNode;
import io.custos.gotemplate.Node.ContinueNode;
import io.custos.gotemplate.Node.DotNode;
import io.custos.gotemplate.Node.FieldNode;
import io.custos.gotemplate.Node.IdentifierNode;
import io.custos.gotemplate.Node.ListNode;
import io.custos.gotemplate.Node.NilNode;
import io.custos.gotemplate.Node.NumberNode;
import io.custos.gotemplate.Node.PipeNode;
import io.custos.gotemplate.Node.StringNode;
import io.custos.gotemplate.Node.TemplateNode;
import io.custos.gotemplate.Node.TextNode;
import io.custos.gotemplate.Node.VariableNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Go's {@code text/template} executor ({@code exec.go}) for one run: walks a tree writing text and
 * action values, with Go's variable scoping, field and map evaluation, missing-key modes,
 * short-circuit {@code and}/{@code or}, range over slices, maps (sorted) and integers, and its
 * error messages with positions.
 */
final class Exec {
    /** Go's maxExecDepth is 100000; a JVM stack is smaller, and no real template nests this deep. */
    static final int MAX_DEPTH = 1000;

    private static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    private static final Stop BREAK = new Stop();
    private static final Stop CONTINUE = new Stop();

    private record Variable(String name, Object value) {
    }

    private final Map<String, Parser.Tree> set;
    private final Template.Options options;
    private final StringBuilder out = new StringBuilder();
    private long outBytes;
    private Parser.Tree tree;
    private List<Variable> vars = new ArrayList<>();
    private Node node;
    private int depth;

    Exec(Map<String, Parser.Tree> set, Template.Options options) {
        this.set = set;
        this.options = options;
    }

    String run(Parser.Tree root, Object data) {
        tree = root;
        vars.add(new Variable("$", data));
        try {
            walk(data, root.root());
        } catch (StackOverflowError e) {
            throw new TemplateException("template: " + root.name() + ": exceeded maximum template depth");
        }
        return out.toString();
    }

    // ---- errors

    private TemplateException error(String message) {
        String name = tree.name();
        if (node == null) {
            return new TemplateException("template: " + name + ": " + message);
        }
        int pos = Math.min(node.pos(), tree.text().length());
        String before = tree.text().substring(0, pos);
        int line = 1 + (int) before.chars().filter(c -> c == '\n').count();
        int lastNewline = before.lastIndexOf('\n');
        int col = lastNewline < 0 ? pos : pos - lastNewline - 1;
        String context = node.toString();
        if (context.length() > 20) {
            context = context.substring(0, 20) + "...";
        }
        return new TemplateException("template: " + name + ":" + line + ":" + col + ": executing "
                + GoFmt.quote(name) + " at <" + context + ">: " + message);
    }

    // ---- output

    private void write(String s) {
        outBytes += s.length();
        if (outBytes > options.maxOutputBytes()) {
            throw error("output exceeds " + options.maxOutputBytes() + " bytes");
        }
        out.append(s);
    }

    // ---- variables

    private int mark() {
        return vars.size();
    }

    private void pop(int mark) {
        while (vars.size() > mark) {
            vars.remove(vars.size() - 1);
        }
    }

    private Object varValue(String name) {
        for (int i = vars.size() - 1; i >= 0; i--) {
            if (vars.get(i).name().equals(name)) {
                return vars.get(i).value();
            }
        }
        throw error("undefined variable: " + name);
    }

    private void setVar(String name, Object value) {
        for (int i = vars.size() - 1; i >= 0; i--) {
            if (vars.get(i).name().equals(name)) {
                vars.set(i, new Variable(name, value));
                return;
            }
        }
        throw error("undefined variable: " + name);
    }

    private void setTopVar(int n, Object value) {
        int i = vars.size() - n;
        vars.set(i, new Variable(vars.get(i).name(), value));
    }

    // ---- walking

    private void walk(Object dot, Node n) {
        node = n;
        if (n instanceof ActionNode a) {
            Object v = evalPipeline(dot, a.pipe());
            if (a.pipe().decl().isEmpty()) {
                node = a;
                write(v == Values.MISSING || v == null ? "<no value>" : GoFmt.value(v));
            }
        } else if (n instanceof ListNode l) {
            for (Node child : l.nodes()) {
                walk(dot, child);
            }
        } else if (n instanceof TextNode t) {
            write(t.text());
        } else if (n instanceof BranchNode b) {
            if (b.kind().equals("range")) {
                walkRange(dot, b);
            } else {
                walkIfOrWith(dot, b);
            }
        } else if (n instanceof TemplateNode t) {
            walkTemplate(dot, t);
        } else if (n instanceof BreakNode) {
            throw BREAK;
        } else if (n instanceof ContinueNode) {
            throw CONTINUE;
        } else {
            throw error("unknown node: " + n);
        }
    }

    private void walkIfOrWith(Object dot, BranchNode b) {
        int mark = mark();
        try {
            Object v = evalPipeline(dot, b.pipe());
            if (Values.isTrue(v)) {
                walk(b.kind().equals("with") ? v : dot, b.list());
            } else if (b.elseList() != null) {
                walk(dot, b.elseList());
            }
        } finally {
            pop(mark);
        }
    }

    private void walkRange(Object dot, BranchNode r) {
        int outerMark = mark();
        try {
            node = r;
            Object val = evalPipeline(dot, r.pipe());
            int mark = mark();
            boolean ran = false;
            try {
                List<?> list = Values.asList(val);
                if (list != null) {
                    for (int i = 0; i < list.size(); i++) {
                        ran = true;
                        if (!oneIteration(r, mark, (long) i, list.get(i))) {
                            break;
                        }
                    }
                } else if (val instanceof Map<?, ?> m) {
                    for (Object k : Values.sortedKeys(m)) {
                        ran = true;
                        if (!oneIteration(r, mark, k, m.get(k))) {
                            break;
                        }
                    }
                } else if (GoFmt.isInteger(val)) {
                    if (r.pipe().decl().size() > 1) {
                        throw error("can't use " + GoFmt.value(val) + " to iterate over more than one variable");
                    }
                    long n = Values.bigInt(val).min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
                    for (long i = 0; i < n; i++) {
                        ran = true;
                        if (!oneIteration(r, mark, i, i)) {
                            break;
                        }
                    }
                } else if (val != null && val != Values.MISSING) {
                    throw error("range can't iterate over " + GoFmt.value(val));
                }
            } catch (Stop s) {
                if (s != BREAK) {
                    throw s;
                }
            }
            if (!ran && r.elseList() != null) {
                walk(dot, r.elseList());
            }
        } finally {
            pop(outerMark);
        }
    }

    /** One iteration; false after {@code break}. */
    private boolean oneIteration(BranchNode r, int mark, Object index, Object elem) {
        List<VariableNode> decl = r.pipe().decl();
        if (!decl.isEmpty()) {
            if (r.pipe().isAssign()) {
                setVar(decl.get(0).ident().get(0), decl.size() > 1 ? index : elem);
            } else {
                setTopVar(1, elem);
            }
        }
        if (decl.size() > 1) {
            if (r.pipe().isAssign()) {
                setVar(decl.get(1).ident().get(0), elem);
            } else {
                setTopVar(2, index);
            }
        }
        try {
            walk(elem, r.list());
        } catch (Stop s) {
            if (s == BREAK) {
                return false;
            }
        } finally {
            pop(mark);
        }
        return true;
    }

    private void walkTemplate(Object dot, TemplateNode t) {
        node = t;
        Parser.Tree target = set.get(t.name());
        if (target == null) {
            throw error("template " + GoFmt.quote(t.name()) + " not defined");
        }
        if (depth >= MAX_DEPTH) {
            throw error("exceeded maximum template depth (" + MAX_DEPTH + ")");
        }
        Object newDot = t.pipe() == null ? Values.MISSING : evalPipeline(dot, t.pipe());
        Parser.Tree savedTree = tree;
        List<Variable> savedVars = vars;
        depth++;
        tree = target;
        vars = new ArrayList<>();
        vars.add(new Variable("$", newDot));
        try {
            walk(newDot, target.root());
        } finally {
            depth--;
            tree = savedTree;
            vars = savedVars;
        }
    }

    // ---- evaluation

    private Object evalPipeline(Object dot, PipeNode pipe) {
        if (pipe == null) {
            return Values.MISSING;
        }
        node = pipe;
        Object value = Values.MISSING;
        boolean first = true;
        for (CommandNode cmd : pipe.cmds()) {
            value = evalCommand(dot, cmd, first ? NO_FINAL : value);
            first = false;
        }
        if (value == null) {
            value = Values.MISSING; // a nil interface{} is dug out to nothing, as Go does
        }
        for (VariableNode v : pipe.decl()) {
            if (pipe.isAssign()) {
                setVar(v.ident().get(0), value);
            } else {
                vars.add(new Variable(v.ident().get(0), value));
            }
        }
        return value;
    }

    /** Marker: no value piped in from a previous command. */
    private static final Object NO_FINAL = new Object();

    private Object evalCommand(Object dot, CommandNode cmd, Object fin) {
        Node first = cmd.args().get(0);
        node = first;
        if (first instanceof FieldNode f) {
            return evalFieldChain(dot, dot, f, f.ident(), cmd.args(), fin);
        }
        if (first instanceof ChainNode c) {
            return evalChain(dot, c, cmd.args(), fin);
        }
        if (first instanceof IdentifierNode id) {
            return evalFunction(dot, id, cmd, cmd.args(), fin);
        }
        if (first instanceof PipeNode p) {
            notAFunction(cmd.args(), fin);
            return evalPipeline(dot, p);
        }
        if (first instanceof VariableNode v) {
            return evalVariable(dot, v, cmd.args(), fin);
        }
        notAFunction(cmd.args(), fin);
        if (first instanceof BoolNode b) {
            return b.value();
        }
        if (first instanceof DotNode) {
            return dot;
        }
        if (first instanceof NilNode) {
            throw error("nil is not a command");
        }
        if (first instanceof NumberNode n) {
            return constant(n);
        }
        if (first instanceof StringNode s) {
            return s.text();
        }
        throw error("can't evaluate command " + GoFmt.quote(first.toString()));
    }

    private Object constant(NumberNode n) {
        if (n.value() instanceof BigInteger) {
            node = n;
            throw error(n.text() + " overflows int");
        }
        return n.value();
    }

    private void notAFunction(List<Node> args, Object fin) {
        if (args.size() > 1 || fin != NO_FINAL) {
            throw error("can't give argument to non-function " + args.get(0));
        }
    }

    private Object evalVariable(Object dot, VariableNode v, List<Node> args, Object fin) {
        node = v;
        Object value = varValue(v.ident().get(0));
        if (v.ident().size() == 1) {
            notAFunction(args, fin);
            return value;
        }
        return evalFieldChain(dot, value, v, v.ident().subList(1, v.ident().size()), args, fin);
    }

    private Object evalChain(Object dot, ChainNode c, List<Node> args, Object fin) {
        if (c.node() instanceof NilNode) {
            throw error("indirection through explicit nil in " + c);
        }
        Object base = evalArg(dot, c.node());
        return evalFieldChain(dot, base, c, c.fields(), args, fin);
    }

    private Object evalFieldChain(Object dot, Object receiver, Node at, List<String> ident, List<Node> args,
            Object fin) {
        Object r = receiver;
        for (int i = 0; i < ident.size() - 1; i++) {
            r = evalField(ident.get(i), at, List.of(), NO_FINAL, r);
        }
        return evalField(ident.get(ident.size() - 1), at, args, fin, r);
    }

    private Object evalField(String field, Node at, List<Node> args, Object fin, Object receiver) {
        node = at;
        if (receiver == Values.MISSING) {
            if (options.missingKey() == Template.MissingKey.ERROR) {
                throw error("nil data; no entry for key " + GoFmt.quote(field));
            }
            return Values.MISSING;
        }
        if (receiver == null) {
            throw error("nil pointer evaluating interface {}." + field);
        }
        if (receiver instanceof Map<?, ?> m) {
            if (args.size() > 1 || fin != NO_FINAL) {
                throw error(field + " is not a method but has arguments");
            }
            if (m.containsKey(field)) {
                return m.get(field);
            }
            if (options.missingKey() == Template.MissingKey.ERROR) {
                throw error("map has no entry for key " + GoFmt.quote(field));
            }
            return Values.MISSING;
        }
        throw error("can't evaluate field " + field + " in type " + GoFmt.typeName(receiver));
    }

    /** A function call; {@code at} (the command, or the identifier as an argument) is where errors point. */
    private Object evalFunction(Object dot, IdentifierNode id, Node at, List<Node> args, Object fin) {
        node = id;
        String name = id.name();
        TemplateFunction user = options.functions().get(name);
        boolean builtin = user == null && Builtins.isBuiltin(name);
        if (user == null && !builtin) {
            throw error(GoFmt.quote(name) + " is not a defined function");
        }
        List<Node> argNodes = args.subList(1, args.size());
        if (builtin && (name.equals("and") || name.equals("or"))) {
            if (argNodes.isEmpty() && fin == NO_FINAL) {
                throw error("wrong number of args for " + name + ": want at least 1 got 0");
            }
            Object v = null;
            for (Node a : argNodes) {
                v = orNil(evalArg(dot, a));
                if (Values.isTrue(v) == name.equals("or")) {
                    return v;
                }
            }
            if (fin != NO_FINAL) {
                v = orNil(fin);
            }
            return v;
        }
        List<Object> argv = new ArrayList<>();
        for (Node a : argNodes) {
            argv.add(orNil(evalArg(dot, a)));
        }
        if (fin != NO_FINAL) {
            argv.add(orNil(fin));
        }
        node = at;
        try {
            return builtin ? Builtins.call(name, argv, this) : user.call(argv);
        } catch (TemplateException e) {
            throw e;
        } catch (Builtins.ArgumentException e) {
            throw error(e.getMessage());
        } catch (Exception e) {
            throw error("error calling " + name + ": " + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage()));
        }
    }

    /** Go hands functions the zero value (nil) for an invalid argument. */
    private static Object orNil(Object v) {
        return v == Values.MISSING ? null : v;
    }

    private Object evalArg(Object dot, Node n) {
        node = n;
        if (n instanceof DotNode) {
            return dot;
        }
        if (n instanceof NilNode) {
            return null;
        }
        if (n instanceof FieldNode f) {
            return evalFieldChain(dot, dot, f, f.ident(), List.of(n), NO_FINAL);
        }
        if (n instanceof VariableNode v) {
            return evalVariable(dot, v, List.of(n), NO_FINAL);
        }
        if (n instanceof PipeNode p) {
            return evalPipeline(dot, p);
        }
        if (n instanceof IdentifierNode id) {
            return evalFunction(dot, id, id, List.of(n), NO_FINAL);
        }
        if (n instanceof ChainNode c) {
            return evalChain(dot, c, List.of(n), NO_FINAL);
        }
        if (n instanceof BoolNode b) {
            return b.value();
        }
        if (n instanceof NumberNode num) {
            return constant(num);
        }
        if (n instanceof StringNode s) {
            return s.text();
        }
        throw error("can't handle " + n + " for arg");
    }

    /** For {@code call}: invokes a function value. */
    Object callValue(Object fn, List<Object> args) throws Exception {
        if (!(fn instanceof TemplateFunction f)) {
            throw new Builtins.ArgumentException("error calling call: non-function of type " + GoFmt.typeName(fn));
        }
        return f.call(args);
    }
}
