package io.sluice.jobs.serve;

import io.sluice.jobs.serve.HtmlDashboard.Section;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** Reading the dashboard back as XML, for the tests. */
final class DashboardXml {
    private DashboardXml() {}

    static String html(PanelData... panels) {
        return HtmlDashboard.render("t", "n", List.of(new Section("s", List.of(panels))));
    }

    /** Each {@code <svg>...</svg>} of the page, each checked to be well-formed XML on its own. */
    static List<String> svgs(String html) throws Exception {
        List<String> svgs = new ArrayList<>();
        Matcher m = Pattern.compile("<svg[ >].*?</svg>", Pattern.DOTALL).matcher(html);
        while (m.find()) {
            parse(m.group());
            svgs.add(m.group());
        }
        return svgs;
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        factory.setExpandEntityReferences(false);
        return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    }

    static List<Element> elements(Document doc, String tag) {
        return elements(doc.getDocumentElement(), tag);
    }

    static List<Element> elements(Element root, String tag) {
        List<Element> list = new ArrayList<>();
        if ("*".equals(tag) || root.getTagName().equals(tag)) {
            list.add(root);
        }
        NodeList nodes = root.getElementsByTagName(tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            list.add((Element) nodes.item(i));
        }
        return list;
    }

    static List<String> legend(String svg) throws Exception {
        return elements(parse(svg), "g").stream()
                .filter(g -> "legend".equals(g.getAttribute("class")))
                .map(g -> elements(g, "title").get(0).getTextContent())
                .toList();
    }

    static List<double[]> pathPoints(Element path) {
        List<double[]> points = new ArrayList<>();
        Matcher m =
                Pattern.compile("[ML]\\s*(-?[0-9.]+)\\s+(-?[0-9.]+)")
                        .matcher(path.getAttribute("d"));
        while (m.find()) {
            points.add(
                    new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))});
        }
        return points;
    }

    static double attr(Element e, String name) {
        return Double.parseDouble(e.getAttribute(name));
    }
}
