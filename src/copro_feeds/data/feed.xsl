<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an Atom or RSS feed from copro_feeds as a plain, accessible web page when it is
     opened in a browser. Feed readers ignore this file. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
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
          <xsl:when test="$lang"><xsl:value-of select="$lang"/></xsl:when>
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
          <p>Each post is a short excerpt. The full post is on the partner's own website.</p>
        </footer>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="atom:entry">
    <article>
      <h3><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h3>
      <p class="meta">Via <xsl:value-of select="atom:source/atom:title"/>,
        <time datetime="{atom:published}"><xsl:value-of select="substring(atom:published, 1, 10)"/></time></p>
      <p><xsl:value-of select="atom:summary"/></p>
    </article>
  </xsl:template>

  <xsl:template match="item">
    <article>
      <h3><a href="{link}"><xsl:value-of select="title"/></a></h3>
      <p class="meta">Via <xsl:value-of select="source"/>,
        <xsl:value-of select="pubDate"/></p>
    </article>
  </xsl:template>
</xsl:stylesheet>
