<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an Atom or RSS feed from copro_feeds as a plain, accessible web page when it is
     opened in a browser. Feed readers ignore this file.

     The credit ("Via Scope, Cee and Dee") is read from the entry's <copro:via> elements,
     one per partner that carried the post, which the publisher writes beside the content:
     never from the content itself, which partners wrote. Atom <source> (RSS <source>)
     names the first partner only; it is the fallback. No template here recurses, so a
     post of any size or shape renders.

     Our own words are in the site's language: the publisher renders this file with Jinja2's
     i18n extension from the message catalogue, once per language. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:copro="https://github.com/copro-feeds/copro_feeds/ns/credit"
    exclude-result-prefixes="atom dc copro">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="title" select="/atom:feed/atom:title | /rss/channel/title"/>
  <xsl:variable name="self"
      select="/atom:feed/atom:link[@rel='self']/@href | /rss/channel/atom:link[@rel='self']/@href"/>
  <xsl:variable name="home"
      select="/atom:feed/atom:link[@rel='alternate']/@href | /rss/channel/link"/>
  <xsl:variable name="lang" select="/atom:feed/@xml:lang | /rss/channel/language"/>

  <xsl:template match="/">
    <html>
      <xsl:attribute name="lang">
        <xsl:choose>
          <xsl:when test="normalize-space($lang)"><xsl:value-of select="$lang"/></xsl:when>
          <xsl:otherwise>{{ lang }}</xsl:otherwise>
        </xsl:choose>
      </xsl:attribute>
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> {{ _("(web feed)") }}</title>
        <style>
          body { font-family: system-ui, sans-serif; font-size: 1.125rem; line-height: 1.6;
                 color: #1a1a1a; background: #fff; margin: 0; }
          header, main, footer { max-width: 42rem; margin: 0 auto; padding: 1rem; }
          a { color: #0b4f9c; text-decoration: underline; }
          a:focus { outline: 3px solid #1a1a1a; outline-offset: 2px; background: #ffe066; }
          .skip { position: absolute; left: -999rem; }
          .skip:focus { position: static; }
          .about { border: 2px solid #0b4f9c; padding: 0.5rem 1rem; border-radius: 0.5rem; }
          code { word-break: break-all; background: #f0f0f0; padding: 0.1rem 0.3rem; }
          article { border-bottom: 1px solid #767676; padding: 0.5rem 0; }
          h2 { font-size: 1.25rem; margin-bottom: 0.25rem; }
          .meta { color: #4a4a4a; margin: 0; }
        </style>
      </head>
      <body>
        <a class="skip" href="#posts">{{ _("Skip to the posts") }}</a>
        <header>
          <h1><xsl:value-of select="$title"/></h1>
          <div class="about">
            <p><strong>{{ _("This is a web feed.") }}</strong> {% trans trimmed %}A feed reader
              app can check it for new posts, so you do not have to visit each website
              yourself.{% endtrans %}</p>
            <p>{{ _("To subscribe, copy this address into your feed reader:") }}
              <code><xsl:value-of select="$self"/></code></p>
            <p><a href="{$home}">{{ _("Visit the website of") }} <xsl:value-of select="$title"/></a></p>
          </div>
        </header>
        <main id="posts">
          <h2>{{ _("Latest posts") }}</h2>
          <xsl:apply-templates select="/atom:feed/atom:entry | /rss/channel/item"/>
        </main>
        <footer>
          <p>{{ _("Each post links to the partner’s own website, where the full post is.") }}</p>
        </footer>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:entry">
    <article>
      <xsl:if test="normalize-space(@xml:lang)">
        <xsl:attribute name="lang"><xsl:value-of select="@xml:lang"/></xsl:attribute>
      </xsl:if>
      <h3>
        <a href="{atom:link[not(@rel) or @rel='alternate'][1]/@href}"><xsl:value-of select="atom:title"/></a>
      </h3>
      <p class="meta">
        <xsl:call-template name="credit">
          <xsl:with-param name="fallback" select="string(atom:source/atom:title)"/>
        </xsl:call-template>
        <xsl:variable name="date">
          <xsl:choose>
            <xsl:when test="atom:published"><xsl:value-of select="atom:published"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="atom:updated"/></xsl:otherwise>
          </xsl:choose>
        </xsl:variable>
        <xsl:if test="normalize-space($date)">
          <xsl:text> — </xsl:text>
          <time datetime="{$date}"><xsl:value-of select="substring($date, 1, 10)"/></time>
        </xsl:if>
      </p>
      <xsl:call-template name="licence">
        <xsl:with-param name="text" select="normalize-space(atom:rights)"/>
      </xsl:call-template>
      <xsl:if test="normalize-space(atom:summary)">
        <p><xsl:value-of select="atom:summary"/></p>
      </xsl:if>
    </article>
  </xsl:template>

  <xsl:template match="item">
    <article>
      <xsl:if test="normalize-space(dc:language)">
        <xsl:attribute name="lang"><xsl:value-of select="dc:language"/></xsl:attribute>
      </xsl:if>
      <h3><a href="{link}"><xsl:value-of select="title"/></a></h3>
      <p class="meta">
        <xsl:call-template name="credit">
          <xsl:with-param name="fallback" select="string(source)"/>
        </xsl:call-template>
        <xsl:if test="normalize-space(pubDate)">
          <xsl:text> — </xsl:text>
          <xsl:value-of select="pubDate"/>
        </xsl:if>
      </p>
      <xsl:call-template name="licence">
        <xsl:with-param name="text" select="normalize-space(dc:rights)"/>
      </xsl:call-template>
    </article>
  </xsl:template>

  <!-- "Licence: …" as plain text, when there is one and one partner is credited (in a
       joint credit each licence follows its partner's name instead). -->
  <xsl:template name="licence">
    <xsl:param name="text"/>
    <xsl:if test="$text and count(copro:via) &lt;= 1">
      <p class="meta">{{ _("Licence:") }} <xsl:value-of select="$text"/></p>
    </xsl:if>
  </xsl:template>

  <!-- "Via A", "Via A and B", "Via A (licence: X), B and C": every partner of the entry's
       <copro:via> list linked to its website; else "Via <fallback>". -->
  <xsl:template name="credit">
    <xsl:param name="fallback"/>
    <xsl:choose>
      <xsl:when test="copro:via">
        <xsl:text>{{ _("Via") }} </xsl:text>
        <xsl:for-each select="copro:via">
          <xsl:choose>
            <xsl:when test="position() = 1"/>
            <xsl:when test="position() = last()"><xsl:text>{{ _(" and ") }}</xsl:text></xsl:when>
            <xsl:otherwise><xsl:text>, </xsl:text></xsl:otherwise>
          </xsl:choose>
          <xsl:choose>
            <xsl:when test="starts-with(@href, 'https://') or starts-with(@href, 'http://')">
              <a href="{@href}"><xsl:value-of select="."/></a>
            </xsl:when>
            <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise>
          </xsl:choose>
          <xsl:if test="last() &gt; 1 and normalize-space(@licence)">
            <xsl:text> ({{ _("licence:") }} </xsl:text>
            <xsl:value-of select="normalize-space(@licence)"/>
            <xsl:text>)</xsl:text>
          </xsl:if>
        </xsl:for-each>
      </xsl:when>
      <xsl:when test="normalize-space($fallback)">
        <xsl:text>{{ _("Via") }} </xsl:text><xsl:value-of select="$fallback"/>
      </xsl:when>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
