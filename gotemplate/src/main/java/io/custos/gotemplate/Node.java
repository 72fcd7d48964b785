package io.custos.gotemplate;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The parse tree of Go's {@code text/template/parse}. Every node knows its offset in the template
 * text (for error positions) and prints itself the way Go does (for error contexts).
 */
sealed interface Node {
    int pos();

    record ListNode(int pos, List<Node> nodes) implements Node {
        @Override
        public String toString() {
            return nodes.stream().map(Object::toString).collect(Collectors.joining());
        }
    }

    record TextNode(int pos, String text) implements Node {
        @Override
        public String toString() {
            return text;
        }
    }

    record ActionNode(int pos, PipeNode pipe) implements Node {
        @Override
        public String toString() {
            return "{{" + pipe + "}}";
        }
    }

    /** A pipeline: optional declarations ({@code $x :=}) or assignments ({@code $x =}), then commands. */
    record PipeNode(int pos, boolean isAssign, List<VariableNode> decl, List<CommandNode> cmds) implements Node {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            if (!decl.isEmpty()) {
                sb.append(decl.stream().map(Object::toString).collect(Collectors.joining(", ")));
                sb.append(isAssign ? " = " : " := ");
            }
            sb.append(cmds.stream().map(Object::toString).collect(Collectors.joining(" | ")));
            return sb.toString();
        }
    }

    record CommandNode(int pos, List<Node> args) implements Node {
        @Override
        public String toString() {
            return args.stream().map(a -> a instanceof PipeNode ? "(" + a + ")" : a.toString())
                    .collect(Collectors.joining(" "));
        }
    }

    record IdentifierNode(int pos, String name) implements Node {
        @Override
        public String toString() {
            return name;
        }
    }

    /** {@code $} or {@code $x}, possibly followed by fields: {@code $x.A.B}. */
    record VariableNode(int pos, List<String> ident) implements Node {
        @Override
        public String toString() {
            return String.join(".", ident);
        }
    }

    record DotNode(int pos) implements Node {
        @Override
        public String toString() {
            return ".";
        }
    }

    record NilNode(int pos) implements Node {
        @Override
        public String toString() {
            return "nil";
        }
    }

    /** {@code .A.B}: a field chain on dot. */
    record FieldNode(int pos, List<String> ident) implements Node {
        @Override
        public String toString() {
            return "." + String.join(".", ident);
        }
    }

    /** Fields on a term that is not dot or a variable: {@code (pipeline).A}, {@code fn.A}. */
    record ChainNode(int pos, Node node, List<String> fields) implements Node {
        @Override
        public String toString() {
            String base = node instanceof PipeNode ? "(" + node + ")" : node.toString();
            return base + "." + String.join(".", fields);
        }
    }

    record BoolNode(int pos, boolean value) implements Node {
        @Override
        public String toString() {
            return Boolean.toString(value);
        }
    }

    /** A number constant: its text and value (Long, Double or BigInteger). */
    record NumberNode(int pos, String text, Object value) implements Node {
        @Override
        public String toString() {
            return text;
        }
    }

    record StringNode(int pos, String quoted, String text) implements Node {
        @Override
        public String toString() {
            return quoted;
        }
    }

    /** if, range and with: pipeline, list, and the optional else list. */
    record BranchNode(int pos, String kind, PipeNode pipe, ListNode list, ListNode elseList) implements Node {
        @Override
        public String toString() {
            return "{{" + kind + " " + pipe + "}}" + list + (elseList == null ? "" : "{{else}}" + elseList) + "{{end}}";
        }
    }

    record TemplateNode(int pos, String name, PipeNode pipe) implements Node {
        @Override
        public String toString() {
            return "{{template " + GoFmt.quote(name) + (pipe == null ? "" : " " + pipe) + "}}";
        }
    }

    record BreakNode(int pos) implements Node {
        @Override
        public String toString() {
            return "{{break}}";
        }
    }

    record ContinueNode(int pos) implements Node {
        @Override
        public String toString() {
            return "{{continue}}";
        }
    }

    /** Markers returned by the parser for {@code {{else}}} and {@code {{end}}}; never in a tree. */
    record ElseNode(int pos) implements Node {
        @Override
        public String toString() {
            return "{{else}}";
        }
    }

    record EndNode(int pos) implements Node {
        @Override
        public String toString() {
            return "{{end}}";
        }
    }
}
