<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an Atom or RSS feed from copro_feeds as a plain, accessible web page when it is
     opened in a browser. Feed readers ignore this file.

     The credit ("Via Scope, Cee and Dee") is read from the end of each entry's content,
     where the publisher writes it as HTML: one link per partner that carried the post.
     Atom <source> (RSS <source>) names the first partner only; it is the fallback. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="UTF-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="title" select="/atom:feed/atom:title | /rss/channel/title"/>
  <xsl:variable name="self"
      select="/atom:feed/atom:link[@rel='self']/@href | /rss/channel/atom:link[@rel='self']/@href"/>
  <xsl:variable name="home"
      select="/atom:feed/atom:link[@rel='alternate']/@href | /rss/channel/link"/>
  <xsl:variable name="lang" select="/atom:feed/@xml:lang | /rss/channel/language"/>
  <!-- Where the publisher's credit paragraph starts, in the content as HTML text. -->
  <xsl:variable name="credit-start" select="'&lt;p&gt;Via &lt;a href=&quot;'"/>

  <xsl:template match="/">
    <html>
      <xsl:attribute name="lang">
        <xsl:choose>
          <xsl:when test="normalize-space($lang)"><xsl:value-of select="$lang"/></xsl:when>
          <xsl:otherwise>en</xsl:otherwise>
        </xsl:choose>
      </xsl:attribute>
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (web feed)</title>
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
        <a class="skip" href="#posts">Skip to the posts</a>
        <header>
          <h1><xsl:value-of select="$title"/></h1>
          <div class="about">
            <p><strong>This is a web feed.</strong> A feed reader app can check it for new
              posts, so you do not have to visit each website yourself.</p>
            <p>To subscribe, copy this address into your feed reader:
              <code><xsl:value-of select="$self"/></code></p>
            <p><a href="{$home}">Visit the website of <xsl:value-of select="$title"/></a></p>
          </div>
        </header>
        <main id="posts">
          <h2>Latest posts</h2>
          <xsl:apply-templates select="/atom:feed/atom:entry | /rss/channel/item"/>
        </main>
        <footer>
          <p>Each post links to the partner's own website, where the full post is.</p>
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
          <xsl:with-param name="html" select="string(atom:content)"/>
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
          <xsl:with-param name="html" select="string(description)"/>
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

  <!-- "Licence: …" as plain text, when there is one. -->
  <xsl:template name="licence">
    <xsl:param name="text"/>
    <xsl:if test="$text">
      <p class="meta">Licence: <xsl:value-of select="$text"/></p>
    </xsl:if>
  </xsl:template>

  <!-- "Via A", "Via A and B", "Via A, B and C": every partner linked to its website, read
       from the last credit paragraph of the entry's HTML; else "Via <fallback>". -->
  <xsl:template name="credit">
    <xsl:param name="html"/>
    <xsl:param name="fallback"/>
    <xsl:choose>
      <xsl:when test="contains($html, $credit-start)">
        <xsl:text>Via </xsl:text>
        <xsl:call-template name="partners">
          <xsl:with-param name="rest">
            <xsl:text>&lt;a href="</xsl:text>
            <xsl:call-template name="after-last">
              <xsl:with-param name="text" select="$html"/>
              <xsl:with-param name="marker" select="$credit-start"/>
            </xsl:call-template>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="normalize-space($fallback)">
        <xsl:text>Via </xsl:text><xsl:value-of select="$fallback"/>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- $rest starts with '<a href="…">Name</a>'; a partner follows after ", " or " and ". -->
  <xsl:template name="partners">
    <xsl:param name="rest"/>
    <xsl:variable name="href">
      <xsl:call-template name="unescape">
        <xsl:with-param name="text"
            select="substring-before(substring-after($rest, '&lt;a href=&quot;'), '&quot;&gt;')"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="name">
      <xsl:call-template name="unescape">
        <xsl:with-param name="text"
            select="substring-before(substring-after($rest, '&quot;&gt;'), '&lt;/a&gt;')"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="starts-with($href, 'https://') or starts-with($href, 'http://')">
        <a href="{$href}"><xsl:value-of select="$name"/></a>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$name"/></xsl:otherwise>
    </xsl:choose>
    <xsl:variable name="after" select="substring-after($rest, '&lt;/a&gt;')"/>
    <xsl:choose>
      <xsl:when test="starts-with($after, ', &lt;a href=&quot;')">
        <xsl:text>, </xsl:text>
        <xsl:call-template name="partners">
          <xsl:with-param name="rest" select="substring($after, 3)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="starts-with($after, ' and &lt;a href=&quot;')">
        <xsl:text> and </xsl:text>
        <xsl:call-template name="partners">
          <xsl:with-param name="rest" select="substring($after, 6)"/>
        </xsl:call-template>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- What follows the last $marker in $text. -->
  <xsl:template name="after-last">
    <xsl:param name="text"/>
    <xsl:param name="marker"/>
    <xsl:variable name="after" select="substring-after($text, $marker)"/>
    <xsl:choose>
      <xsl:when test="contains($after, $marker)">
        <xsl:call-template name="after-last">
          <xsl:with-param name="text" select="$after"/>
          <xsl:with-param name="marker" select="$marker"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$after"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Undoes the publisher's HTML escaping of a name or address (&amp; last). -->
  <xsl:template name="unescape">
    <xsl:param name="text"/>
    <xsl:call-template name="replace">
      <xsl:with-param name="from" select="'&amp;amp;'"/>
      <xsl:with-param name="to" select="'&amp;'"/>
      <xsl:with-param name="text">
        <xsl:call-template name="replace">
          <xsl:with-param name="from" select="'&amp;lt;'"/>
          <xsl:with-param name="to" select="'&lt;'"/>
          <xsl:with-param name="text">
            <xsl:call-template name="replace">
              <xsl:with-param name="from" select="'&amp;gt;'"/>
              <xsl:with-param name="to" select="'&gt;'"/>
              <xsl:with-param name="text">
                <xsl:call-template name="replace">
                  <xsl:with-param name="from" select="'&amp;quot;'"/>
                  <xsl:with-param name="to" select="'&quot;'"/>
                  <xsl:with-param name="text">
                    <xsl:call-template name="replace">
                      <xsl:with-param name="from" select="'&amp;#x27;'"/>
                      <xsl:with-param name="to">'</xsl:with-param>
                      <xsl:with-param name="text" select="$text"/>
                    </xsl:call-template>
                  </xsl:with-param>
                </xsl:call-template>
              </xsl:with-param>
            </xsl:call-template>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="replace">
    <xsl:param name="text"/>
    <xsl:param name="from"/>
    <xsl:param name="to"/>
    <xsl:choose>
      <xsl:when test="contains($text, $from)">
        <xsl:value-of select="substring-before($text, $from)"/>
        <xsl:value-of select="$to"/>
        <xsl:call-template name="replace">
          <xsl:with-param name="text" select="substring-after($text, $from)"/>
          <xsl:with-param name="from" select="$from"/>
          <xsl:with-param name="to" select="$to"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
