package io.custos.gotemplate;

import io.custos.gotemplate.Lexer.Kind;
import io.custos.gotemplate.Lexer.Token;
import io.custos.gotemplate.Node.ActionNode;
import io.custos.gotemplate.Node.BoolNode;
import io.custos.gotemplate.Node.BranchNode;
import io.custos.gotemplate.Node.BreakNode;
import io.custos.gotemplate.Node.ChainNode;
import io.custos.gotemplate.Node.CommandNode;
import io.custos.gotemplate.Node.ContinueNode;
import io.custos.gotemplate.Node.DotNode;
import io.custos.gotemplate.Node.ElseNode;
import io.custos.gotemplate.Node.EndNode;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Go's {@code text/template/parse} parser: builds the trees of one template text (the main one,
 * and every {@code define} and {@code block}) into a shared set, with Go's rules and messages —
 * undefined functions and variables, {@code break}/{@code continue} outside {@code range},
 * {@code else if}/{@code else with} chains, multiple definitions.
 */
final class Parser {
    /** A parsed template: its root list and the text it came from (for error positions). */
    record Tree(String name, ListNode root, String text) {
        boolean isEmpty() {
            return root.nodes().stream().allMatch(n -> n instanceof TextNode t && t.text().isBlank());
        }
    }

    private final String name;
    private final String text;
    private final List<Token> tokens;
    private final Predicate<String> isFunction;
    private final Map<String, Tree> set;
    private int at;
    private final List<String> vars = new ArrayList<>(List.of("$"));
    private int rangeDepth;
    /** Open control structures and parentheses; each is a Java stack frame or more, so it is bounded. */
    private int nesting;
    static final int MAX_NESTING = 256;

    private Parser(String name, String text, List<Token> tokens, Predicate<String> isFunction, Map<String, Tree> set) {
        this.name = name;
        this.text = text;
        this.tokens = tokens;
        this.isFunction = isFunction;
        this.set = set;
    }

    /** Parses {@code text} as template {@code name}, adding it and its definitions to {@code set}. */
    static void parse(String name, String text, String left, String right, Predicate<String> isFunction,
            Map<String, Tree> set) {
        List<Token> tokens = Lexer.lex(name, text, left, right);
        new Parser(name, text, tokens, isFunction, set).parseTop();
    }

    private TemplateException error(Token at, String message) {
        return new TemplateException("template: " + name + ":" + at.line() + ": " + message);
    }

    private Token next() {
        return tokens.get(at++);
    }

    private Token peek() {
        return tokens.get(at);
    }

    private void backup() {
        at--;
    }

    private Token nextNonSpace() {
        Token t = next();
        while (t.kind() == Kind.SPACE) {
            t = next();
        }
        return t;
    }

    private Token peekNonSpace() {
        Token t = nextNonSpace();
        backup();
        return t;
    }

    private Token expect(Kind kind, String context) {
        Token t = nextNonSpace();
        if (t.kind() != kind) {
            throw unexpected(t, context);
        }
        return t;
    }

    private TemplateException unexpected(Token t, String context) {
        if (t.kind() == Kind.EOF) {
            return error(t, "unexpected EOF in " + context);
        }
        return error(t, "unexpected " + describe(t) + " in " + context);
    }

    private static String describe(Token t) {
        return switch (t.kind()) {
            case RIGHT_DELIM, LEFT_DELIM -> "\"" + t.text() + "\"";
            case SPACE -> "space";
            case EOF -> "EOF";
            default -> t.kind().ordinal() >= Kind.BLOCK.ordinal() ? "<" + t.text() + ">" : "\"" + t.text() + "\"";
        };
    }

    private void parseTop() {
        List<Node> root = new ArrayList<>();
        while (peek().kind() != Kind.EOF) {
            if (peek().kind() == Kind.LEFT_DELIM) {
                int mark = at;
                next();
                if (nextNonSpace().kind() == Kind.DEFINE) {
                    parseDefinition();
                    continue;
                }
                at = mark; // not a definition: back to the delimiter
            }
            Node n = textOrAction();
            if (n instanceof EndNode || n instanceof ElseNode) {
                throw error(tokens.get(Math.max(0, at - 1)), "unexpected " + n);
            }
            root.add(n);
        }
        add(new Tree(name, new ListNode(0, root), text), tokens.get(tokens.size() - 1));
    }

    private void add(Tree tree, Token at) {
        Tree existing = set.get(tree.name());
        if (existing == null || existing.isEmpty()) {
            set.put(tree.name(), tree);
            return;
        }
        if (!tree.isEmpty()) {
            throw error(at, "template: multiple definition of template " + GoFmt.quote(tree.name()));
        }
    }

    private void parseDefinition() {
        Token nameToken = nextNonSpace();
        if (nameToken.kind() != Kind.STRING && nameToken.kind() != Kind.RAW_STRING) {
            throw unexpected(nameToken, "define clause");
        }
        String defined = unquote(nameToken);
        expect(Kind.RIGHT_DELIM, "define clause");
        List<String> outerVars = new ArrayList<>(vars);
        vars.clear();
        vars.add("$");
        ListWithEnd body = itemList();
        if (!(body.end() instanceof EndNode)) {
            throw error(peek(), "unexpected " + body.end() + " in define clause");
        }
        vars.clear();
        vars.addAll(outerVars);
        add(new Tree(defined, body.list(), text), nameToken);
    }

    private record ListWithEnd(ListNode list, Node end) {
    }

    private ListWithEnd itemList() {
        int pos = peek().pos();
        List<Node> nodes = new ArrayList<>();
        while (peekNonSpace().kind() != Kind.EOF) {
            Node n = textOrAction();
            if (n instanceof EndNode || n instanceof ElseNode) {
                return new ListWithEnd(new ListNode(pos, nodes), n);
            }
            nodes.add(n);
        }
        throw error(peek(), "unexpected EOF");
    }

    private Node textOrAction() {
        Token t = nextNonSpace();
        return switch (t.kind()) {
            case TEXT -> new TextNode(t.pos(), t.text());
            case LEFT_DELIM -> action();
            default -> throw unexpected(t, "input");
        };
    }

    private Node action() {
        Token t = nextNonSpace();
        switch (t.kind()) {
            case BLOCK:
                return blockControl();
            case BREAK:
                return loopControl(t, "break");
            case CONTINUE:
                return loopControl(t, "continue");
            case ELSE:
                return elseControl(t);
            case END:
                expect(Kind.RIGHT_DELIM, "end");
                return new EndNode(t.pos());
            case IF:
                return branch(t, "if");
            case RANGE:
                return branch(t, "range");
            case TEMPLATE:
                return templateControl(t);
            case WITH:
                return branch(t, "with");
            default:
                backup();
                return new ActionNode(t.pos(), pipeline("command", Kind.RIGHT_DELIM));
        }
    }

    private Node loopControl(Token t, String word) {
        Token n = nextNonSpace();
        if (n.kind() != Kind.RIGHT_DELIM) {
            throw unexpected(n, "{{" + word + "}}");
        }
        if (rangeDepth == 0) {
            throw error(t, "{{" + word + "}} outside {{range}}");
        }
        return word.equals("break") ? new BreakNode(t.pos()) : new ContinueNode(t.pos());
    }

    private Node elseControl(Token t) {
        Token p = peekNonSpace();
        if (p.kind() == Kind.IF || p.kind() == Kind.WITH) {
            return new ElseNode(t.pos()); // "else if"/"else with": the keyword stays pending
        }
        expect(Kind.RIGHT_DELIM, "else");
        return new ElseNode(t.pos());
    }

    private void enter(Token t) {
        if (++nesting > MAX_NESTING) {
            throw error(t, "nesting deeper than " + MAX_NESTING + " (if, range, with, block and parentheses)");
        }
    }

    private BranchNode branch(Token t, String context) {
        int mark = vars.size();
        enter(t);
        try {
            PipeNode pipe = pipeline(context, Kind.RIGHT_DELIM);
            if (context.equals("range")) {
                rangeDepth++;
            }
            ListWithEnd body = itemList();
            if (context.equals("range")) {
                rangeDepth--;
            }
            ListNode elseList = null;
            if (body.end() instanceof ElseNode e) {
                if (context.equals("if") && peekNonSpace().kind() == Kind.IF) {
                    Token kw = nextNonSpace();
                    elseList = new ListNode(e.pos(), List.of(branch(kw, "if")));
                } else if (context.equals("with") && peekNonSpace().kind() == Kind.WITH) {
                    Token kw = nextNonSpace();
                    elseList = new ListNode(e.pos(), List.of(branch(kw, "with")));
                } else {
                    ListWithEnd rest = itemList();
                    if (!(rest.end() instanceof EndNode)) {
                        throw error(peek(), "expected end; found " + rest.end());
                    }
                    elseList = rest.list();
                }
            }
            return new BranchNode(t.pos(), context, pipe, body.list(), elseList);
        } finally {
            nesting--;
            while (vars.size() > mark) {
                vars.remove(vars.size() - 1);
            }
        }
    }

    private Node templateControl(Token t) {
        Token nameToken = nextNonSpace();
        String called = templateName(nameToken, "template clause");
        PipeNode pipe = null;
        if (nextNonSpace().kind() != Kind.RIGHT_DELIM) {
            backup();
            pipe = pipeline("template clause", Kind.RIGHT_DELIM);
        }
        return new TemplateNode(t.pos(), called, pipe);
    }

    private String templateName(Token t, String context) {
        if (t.kind() != Kind.STRING && t.kind() != Kind.RAW_STRING) {
            throw unexpected(t, context);
        }
        return unquote(t);
    }

    /** {@code {{block "name" pipeline}} body {{end}}}: defines "name" and calls it here. */
    private Node blockControl() {
        Token nameToken = nextNonSpace();
        String defined = templateName(nameToken, "block clause");
        PipeNode pipe = pipeline("block clause", Kind.RIGHT_DELIM);
        List<String> outerVars = new ArrayList<>(vars);
        vars.clear();
        vars.add("$");
        enter(nameToken);
        ListWithEnd body = itemList();
        nesting--;
        vars.clear();
        vars.addAll(outerVars);
        if (!(body.end() instanceof EndNode)) {
            throw error(peek(), "unexpected " + body.end() + " in block clause");
        }
        add(new Tree(defined, body.list(), text), nameToken);
        return new TemplateNode(nameToken.pos(), defined, pipe);
    }

    private PipeNode pipeline(String context, Kind end) {
        Token first = peekNonSpace();
        List<VariableNode> decl = new ArrayList<>();
        boolean isAssign = declarations(context, decl);
        return commands(first, isAssign, decl, context, end);
    }

    /** The pipeline's leading "$x :=" or "$x =" (or range's "$i, $e :="), into {@code decl}; true for "=". */
    private boolean declarations(String context, List<VariableNode> decl) {
        boolean isAssign = false;
        while (peekNonSpace().kind() == Kind.VARIABLE) {
            peekNonSpace();
            while (peek().kind() == Kind.SPACE) {
                next();
            }
            int vIndex = at;
            Token v = next();
            Token n = peekNonSpace();
            if (n.kind() == Kind.ASSIGN || n.kind() == Kind.DECLARE) {
                isAssign = n.kind() == Kind.ASSIGN;
                nextNonSpace();
                decl.add(new VariableNode(v.pos(), List.of(v.text())));
                if (!isAssign) {
                    vars.add(v.text());
                } else if (!vars.contains(v.text())) {
                    throw error(v, "undefined variable \"" + v.text() + "\"");
                }
                break;
            } else if (n.kind() == Kind.CHAR && n.text().equals(",")) {
                nextNonSpace();
                decl.add(new VariableNode(v.pos(), List.of(v.text())));
                vars.add(v.text());
                if (context.equals("range") && decl.size() < 2) {
                    Kind k = peekNonSpace().kind();
                    if (k == Kind.VARIABLE || k == Kind.RIGHT_DELIM || k == Kind.RIGHT_PAREN) {
                        continue; // the second variable of "range $i, $e :="
                    }
                    throw error(v, "range can only initialize variables");
                }
                throw error(v, "too many declarations in " + context);
            } else {
                at = vIndex; // "$x foo": $x is an operand, not a declaration
                break;
            }
        }
        return isAssign;
    }

    /** The pipeline's commands up to {@code end}; literals may only start its first stage. */
    private PipeNode commands(Token first, boolean isAssign, List<VariableNode> decl, String context, Kind end) {
        List<CommandNode> cmds = new ArrayList<>();
        while (true) {
            Token t = nextNonSpace();
            if (t.kind() == end) {
                if (cmds.isEmpty()) {
                    throw error(t, "missing value for " + context);
                }
                for (int i = 1; i < cmds.size(); i++) {
                    Node firstArg = cmds.get(i).args().get(0);
                    if (firstArg instanceof BoolNode || firstArg instanceof DotNode || firstArg instanceof NilNode
                            || firstArg instanceof NumberNode || firstArg instanceof StringNode) {
                        throw error(t, "non executable command in pipeline stage " + (i + 1));
                    }
                }
                return new PipeNode(first.pos(), isAssign, decl, cmds);
            }
            switch (t.kind()) {
                case BOOL, CHAR_CONSTANT, DOT, FIELD, IDENTIFIER, NUMBER, NIL, RAW_STRING, STRING, VARIABLE,
                        LEFT_PAREN -> {
                    backup();
                    cmds.add(command());
                }
                default -> throw unexpected(t, context);
            }
        }
    }

    private CommandNode command() {
        int pos = peekNonSpace().pos();
        List<Node> args = new ArrayList<>();
        while (true) {
            peekNonSpace();
            Node operand = operand();
            if (operand != null) {
                args.add(operand);
            }
            Token t = next();
            if (t.kind() == Kind.SPACE) {
                continue;
            }
            if (t.kind() == Kind.RIGHT_DELIM || t.kind() == Kind.RIGHT_PAREN) {
                backup();
            } else if (t.kind() != Kind.PIPE) {
                throw unexpected(t, "operand");
            }
            break;
        }
        if (args.isEmpty()) {
            throw error(peek(), "empty command");
        }
        return new CommandNode(pos, args);
    }

    private Node operand() {
        Node node = term();
        if (node == null) {
            return null;
        }
        if (peek().kind() == Kind.FIELD) {
            List<String> fields = new ArrayList<>();
            while (peek().kind() == Kind.FIELD) {
                fields.add(next().text().substring(1));
            }
            if (node instanceof FieldNode f) {
                List<String> all = new ArrayList<>(f.ident());
                all.addAll(fields);
                return new FieldNode(f.pos(), all);
            }
            if (node instanceof VariableNode v) {
                List<String> all = new ArrayList<>(v.ident());
                all.addAll(fields);
                return new VariableNode(v.pos(), all);
            }
            if (node instanceof BoolNode || node instanceof StringNode || node instanceof NumberNode
                    || node instanceof NilNode || node instanceof DotNode) {
                throw error(peek(), "unexpected . after term \"" + node + "\"");
            }
            return new ChainNode(node.pos(), node, fields);
        }
        return node;
    }

    private Node term() {
        Token t = nextNonSpace();
        switch (t.kind()) {
            case IDENTIFIER:
                if (!isFunction.test(t.text())) {
                    throw error(t, "function \"" + t.text() + "\" not defined");
                }
                return new IdentifierNode(t.pos(), t.text());
            case DOT:
                return new DotNode(t.pos());
            case NIL:
                return new NilNode(t.pos());
            case VARIABLE:
                if (!vars.contains(t.text())) {
                    throw error(t, "undefined variable \"" + t.text() + "\"");
                }
                return new VariableNode(t.pos(), List.of(t.text()));
            case FIELD:
                return new FieldNode(t.pos(), List.of(t.text().substring(1)));
            case BOOL:
                return new BoolNode(t.pos(), t.text().equals("true"));
            case CHAR_CONSTANT:
                return new NumberNode(t.pos(), t.text(), (long) GoStrings.unquoteChar(t.text(),
                        m -> error(t, m)));
            case NUMBER:
                return GoNumbers.number(t, m -> error(t, m));
            case LEFT_PAREN:
                enter(t);
                PipeNode inner = pipeline("parenthesized pipeline", Kind.RIGHT_PAREN);
                nesting--;
                return inner;
            case STRING, RAW_STRING:
                return new StringNode(t.pos(), t.text(), unquote(t));
            default:
                backup();
                return null;
        }
    }

    private String unquote(Token t) {
        if (t.kind() == Kind.RAW_STRING) {
            return t.text().substring(1, t.text().length() - 1).replace("\r", "");
        }
        return GoStrings.unquote(t.text(), m -> error(t, m));
    }
}
